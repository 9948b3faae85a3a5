/**
 * The demo tenant of the local twin: "Acme (demo)" on acme.test, paid plan, SSO through the dev IdP,
 * SCIM on with a token and one provisioned user. It is set up over HTTP through the paths a real
 * admin uses (operator API, then the console's Test SAML → Update with the dev IdP), so it keeps
 * working whatever the handlers look like inside. It lives in local/ only: no Lambda can import it.
 */
import { chmod, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Browserless, titleOf, type Visit } from './browserless';
import { parseFlags } from './cli-args';
import { operatorCall, type OperatorCall } from './cli-commands';
import { localTransport, OperatorRequestError } from './operator-client';

export const DEMO = {
  tenantName: 'Acme (demo)',
  domain: 'acme.test',
  admin: { email: 'admin@acme.test', firstName: 'Ada', lastName: 'Admin' },
  user: { email: 'dev.user@acme.test', firstName: 'Dev', lastName: 'User' },
} as const;

/** Where a twin answers: its public URLs and the local ports behind them. */
export interface DemoTwin {
  readonly apiUrl: string;
  readonly adminUrl: string;
  readonly apiPort: number;
  readonly adminPort: number;
  readonly operatorKey: string;
  readonly dataDir: string;
}

export interface Demo {
  readonly tenantId: string;
  readonly tenantName: string;
  /** True on the start that created it; later starts reuse it. */
  readonly created: boolean;
  readonly signInUrl: string;
  readonly demoUser: string;
  readonly consoleLink: string;
  readonly consoleLinkExpiresAt: string;
  readonly scimBaseUrl: string;
  readonly scimToken: string;
  readonly curl: string;
  /** The example app's URL, once the twin serves one. */
  readonly exampleAppUrl?: string;
}

export type DemoOutcome = { readonly ready: Demo } | { readonly skipped: string };

/** The demo was not set up, for a reason the person starting the twin can act on. */
export class DemoSkippedError extends Error {}

export const demoMarkerPath = (dataDir: string): string => join(dataDir, 'demo.json');

interface Marker {
  readonly tenantId: string;
  readonly scimToken?: string;
}

interface TenantJson {
  readonly tenantId: string;
  readonly name: string;
  readonly plan: string;
  readonly domains: string[];
  readonly sso: { readonly state: string; readonly activeIdpEntityId?: string };
  readonly scim: { readonly enabled: boolean };
}

/** `npm start` flags and NATOMA_DEMO: is the demo wanted? Bad flags throw UsageError. */
export function demoWanted(argv: readonly string[], env: Record<string, string | undefined>): boolean {
  const flags = parseFlags(argv, [{ name: 'no-demo', kind: 'boolean', description: 'start without the demo tenant' }], 'npm start -- [--no-demo]');
  if (flags['no-demo']) return false;
  return !/^(0|false|no|off)$/i.test((env.NATOMA_DEMO ?? '').trim());
}

async function readMarker(dataDir: string): Promise<Marker | undefined> {
  try {
    const marker = JSON.parse(await readFile(demoMarkerPath(dataDir), 'utf8')) as Partial<Marker>;
    return typeof marker.tenantId === 'string' ? { tenantId: marker.tenantId, scimToken: typeof marker.scimToken === 'string' ? marker.scimToken : undefined } : undefined;
  } catch {
    return undefined;
  }
}

/** Owner-only: it holds a SCIM token (a local one, but a token). */
async function writeMarker(dataDir: string, marker: Marker): Promise<void> {
  const file = demoMarkerPath(dataDir);
  await writeFile(file, JSON.stringify(marker, null, 2) + '\n', { mode: 0o600 });
  await chmod(file, 0o600);
}

const isStatus = (error: unknown, ...statuses: number[]) => error instanceof OperatorRequestError && statuses.includes(error.status ?? 0);

async function findOrCreateTenant(call: OperatorCall, marker: Marker | undefined): Promise<{ tenant: TenantJson; created: boolean }> {
  if (marker) {
    try {
      return { tenant: (await call({ method: 'GET', path: `/operator/tenants/${encodeURIComponent(marker.tenantId)}` })) as unknown as TenantJson, created: false };
    } catch (error) {
      if (!isStatus(error, 400, 404)) throw error;
    }
  }
  try {
    return { tenant: (await call({ method: 'POST', path: '/operator/tenants', body: { name: DEMO.tenantName, domains: [DEMO.domain] } })) as unknown as TenantJson, created: true };
  } catch (error) {
    if (!isStatus(error, 409)) throw error;
  }
  // The domain is taken: a demo whose marker was lost is adopted, anything else is left alone.
  let cursor: string | undefined;
  do {
    const page = await call({ method: 'GET', path: `/operator/tenants?limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}` });
    const owner = (page.tenants as TenantJson[]).find((tenant) => tenant.domains.includes(DEMO.domain));
    if (owner?.name === DEMO.tenantName) return { tenant: owner, created: false };
    if (owner) throw new DemoSkippedError(`the domain ${DEMO.domain} already belongs to tenant "${owner.name}" (${owner.tenantId}), so no demo tenant was set up`);
    cursor = page.nextCursor as string | undefined;
  } while (cursor);
  throw new DemoSkippedError(`the domain ${DEMO.domain} is taken, so no demo tenant was set up`);
}

/** Signs in to the console with a one-time link, as an admin following the operator's email would. */
async function consoleSession(browser: Browserless, link: string, adminUrl: string) {
  // The link opens a Continue page; its button's POST signs in.
  const landing = await browser.submit(await browser.open(link));
  const csrf = /<meta name="csrf-token" content="([^"]+)"/.exec(landing.body)?.[1];
  if (landing.status !== 200 || !csrf) throw new Error(`the console sign-in link did not open the console (HTTP ${landing.status}, "${titleOf(landing.body)}")`);
  const origin = new URL(adminUrl).origin;
  const api = async (method: string, path: string, body?: unknown): Promise<Record<string, unknown>> => {
    const response = await browser.request(`${adminUrl}/api${path}`, {
      method,
      headers: { accept: 'application/json', origin, 'x-csrf-token': csrf, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const json = (await response.json().catch(() => ({}))) as { error?: { message?: string } } & Record<string, unknown>;
    if (!response.ok) throw new Error(`console ${method} /api${path}: ${json.error?.message ?? `HTTP ${response.status}`}`);
    return json;
  };
  const signOut = async () => {
    await browser.request(`${adminUrl}/logout`, { method: 'POST', headers: { origin, 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ csrf }).toString() });
  };
  return { api, signOut };
}

/** Test SAML as the admin does it: open the test URL, sign in at the dev IdP, let its page post to the ACS. */
async function passTestSaml(browser: Browserless, testUrl: string): Promise<void> {
  const identity = { email: DEMO.admin.email, firstName: DEMO.admin.firstName, lastName: DEMO.admin.lastName };
  let page: Visit = await browser.open(testUrl);
  for (let step = 0; step < 5; step++) {
    if (page.body.includes('Test SAML passed')) return;
    if (page.status !== 200) break;
    page = await browser.submit(page, identity);
  }
  throw new Error(`Test SAML with the dev IdP did not pass (HTTP ${page.status}, "${titleOf(page.body)}")`);
}

async function activateSsoThroughConsole(call: OperatorCall, twin: DemoTwin, browser: Browserless, tenantId: string): Promise<void> {
  const link = await call({ method: 'POST', path: `/operator/tenants/${tenantId}/console-links`, body: { email: DEMO.admin.email } });
  const session = await consoleSession(browser, String(link.url), twin.adminUrl);
  try {
    await session.api('PUT', '/sso/metadata', { url: `${twin.apiUrl}/_dev-idp/metadata` });
    const { testUrl } = await session.api('POST', '/sso/test');
    await passTestSaml(browser, String(testUrl));
    await session.api('POST', '/sso/activate');
  } finally {
    await session.signOut();
  }
}

/** The stored token if SCIM still accepts it, else a new one from the operator API. */
async function workingScimToken(call: OperatorCall, scimBaseUrl: string, tenantId: string, stored: string | undefined, browser: Browserless): Promise<string> {
  if (stored) {
    const probe = await browser.request(`${scimBaseUrl}/Users?count=1`, { headers: { authorization: `Bearer ${stored}` } });
    await probe.body?.cancel();
    if (probe.status === 200) return stored;
  }
  const created = await call({ method: 'POST', path: `/operator/tenants/${tenantId}/scim/tokens` });
  const token = String(created.token);
  // A warm SCIM handler that just refused the old token keeps the tenant's token list for up to 30 s
  // (lambdas/scim/auth.ts), so the new token may be refused until then: wait for it.
  for (const deadline = Date.now() + 35_000; Date.now() < deadline; await new Promise((resolve) => setTimeout(resolve, 1000))) {
    const probe = await browser.request(`${scimBaseUrl}/Users?count=1`, { headers: { authorization: `Bearer ${token}` } });
    await probe.body?.cancel();
    if (probe.status === 200) return token;
  }
  throw new Error('the new SCIM token was not accepted within 35 s');
}

async function ensureScimUser(browser: Browserless, scimBaseUrl: string, token: string): Promise<void> {
  const headers = { authorization: `Bearer ${token}`, accept: 'application/scim+json' };
  const filter = encodeURIComponent(`userName eq "${DEMO.user.email}"`);
  const found = await browser.request(`${scimBaseUrl}/Users?filter=${filter}`, { headers });
  if (!found.ok) throw new Error(`SCIM lookup of the demo user failed (HTTP ${found.status})`);
  if (((await found.json()) as { totalResults?: number }).totalResults) return;
  const user = {
    schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
    userName: DEMO.user.email,
    name: { givenName: DEMO.user.firstName, familyName: DEMO.user.lastName },
    emails: [{ value: DEMO.user.email, type: 'work', primary: true }],
    active: true,
  };
  const created = await browser.request(`${scimBaseUrl}/Users`, { method: 'POST', headers: { ...headers, 'content-type': 'application/scim+json' }, body: JSON.stringify(user) });
  await created.body?.cancel();
  if (created.status !== 201) throw new Error(`SCIM could not create the demo user (HTTP ${created.status})`);
}

/**
 * Creates the demo tenant on a fresh DATA_DIR, or brings the one recorded in `demo.json` back to
 * its demo state (any step missing is done again), and issues a fresh one-time console link.
 */
export async function ensureDemo(twin: DemoTwin): Promise<Demo> {
  const localApi = `http://127.0.0.1:${twin.apiPort}`;
  const localAdmin = `http://127.0.0.1:${twin.adminPort}`;
  // Public URLs (a tunnel, a proxy) are reached at the ports behind them.
  const route = (url: string) => (url.startsWith(twin.apiUrl) ? localApi + url.slice(twin.apiUrl.length) : url.startsWith(twin.adminUrl) ? localAdmin + url.slice(twin.adminUrl.length) : url);
  const call = operatorCall(localTransport(localAdmin, twin.operatorKey));
  const browser = new Browserless(route);

  const marker = await readMarker(twin.dataDir);
  const { tenant, created } = await findOrCreateTenant(call, marker);
  const tenantId = tenant.tenantId;
  const tenantPath = `/operator/tenants/${tenantId}`;
  await writeMarker(twin.dataDir, { tenantId, scimToken: marker?.tenantId === tenantId ? marker.scimToken : undefined });

  if (tenant.plan !== 'paid') await call({ method: 'POST', path: `${tenantPath}/upgrade` });
  // The dev IdP's entity ID carries the API URL: after a change of PORT or PUBLIC_URL the demo is wired again.
  const devIdpEntityId = `${twin.apiUrl}/_dev-idp/metadata`;
  if (tenant.sso.state !== 'active' || tenant.sso.activeIdpEntityId !== devIdpEntityId) await activateSsoThroughConsole(call, twin, browser, tenantId);
  const enabled = tenant.scim.enabled ? undefined : await call({ method: 'POST', path: `${tenantPath}/scim/enable` });
  const scimBaseUrl = String(enabled?.baseUrl ?? `${twin.apiUrl}/scim/v2/${tenantId}`);
  const scimToken = await workingScimToken(call, scimBaseUrl, tenantId, marker?.tenantId === tenantId ? marker.scimToken : undefined, browser);
  await writeMarker(twin.dataDir, { tenantId, scimToken });
  await ensureScimUser(browser, scimBaseUrl, scimToken);

  const link = await call({ method: 'POST', path: `${tenantPath}/console-links`, body: { email: DEMO.admin.email } });
  return {
    tenantId,
    tenantName: tenant.name,
    created,
    signInUrl: `${twin.apiUrl}/signin`,
    demoUser: DEMO.user.email,
    consoleLink: String(link.url),
    consoleLinkExpiresAt: String(link.expiresAt),
    scimBaseUrl,
    scimToken,
    curl: `curl -s -H 'Authorization: Bearer ${scimToken}' '${scimBaseUrl}/Users'`,
  };
}

/** What the person who ran `npm start` should try first. */
export function demoBanner(outcome: DemoOutcome, dataDir: string): string {
  if ('skipped' in outcome) {
    return ['', `Demo tenant: not set up: ${outcome.skipped}.`, '  (npm start -- --no-demo, or NATOMA_DEMO=0, starts without trying.)', ''].join('\n');
  }
  const demo = outcome.ready;
  return [
    '',
    `Try it: demo tenant "${demo.tenantName}" (${demo.tenantId}), ${demo.created ? 'created now' : 'kept from an earlier start'}: paid plan, SSO through the dev IdP, SCIM on.`,
    `  1. Sign in as a user:   ${demo.signInUrl}`,
    `     enter ${demo.demoUser}, then click "Sign in" at the dev IdP (no password); you land on the dashboard.`,
    `  2. Admin console:       ${demo.consoleLink}`,
    `     one-time link for ${DEMO.admin.email}, valid until ${demo.consoleLinkExpiresAt}; every start prints a new one.`,
    `  3. SCIM base URL:       ${demo.scimBaseUrl}`,
    `     ${demo.curl}`,
    `     (a local demo token, kept in ${demoMarkerPath(dataDir)}: it works against this twin only.)`,
    ...(demo.exampleAppUrl ? [`  4. Example app:         ${demo.exampleAppUrl}`] : []),
    '  Start without the demo: npm start -- --no-demo (or NATOMA_DEMO=0).',
    '',
  ].join('\n');
}
