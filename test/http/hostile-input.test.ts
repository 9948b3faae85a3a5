import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, inject } from 'vitest';
import { OPERATOR_KEY_HEADER } from '../../local/operator-key';
import { startTwin, type RunningTwin } from '../../local/twin';

/**
 * Every public route, fed malformed cookies, percent-encoding, query strings, form bodies and JSON over
 * real HTTP through the twin: no answer may be a 5xx, and no answer may carry the attacker's marker verbatim.
 */
const MARKER = '<script>alert(7331)</script>';
const TENANT = '{tenant}';

const apiRoutes: [string, string][] = [
  ['GET', '/signin'], ['POST', '/signin'], ['GET', '/dashboard'], ['GET', '/logout'], ['POST', '/logout'],
  ['GET', `/saml/${TENANT}/metadata`], ['POST', `/saml/${TENANT}/acs`], ['GET', `/saml/${TENANT}/login`], ['GET', `/saml/${TENANT}/test`],
  ['GET', `/scim/v2/${TENANT}/Users`], ['POST', `/scim/v2/${TENANT}/Users`], ['GET', `/scim/v2/${TENANT}/Users/{id}`], ['PUT', `/scim/v2/${TENANT}/Users/{id}`],
  ['PATCH', `/scim/v2/${TENANT}/Users/{id}`], ['DELETE', `/scim/v2/${TENANT}/Users/{id}`], ['GET', `/scim/v2/${TENANT}/Groups`], ['POST', `/scim/v2/${TENANT}/Groups`],
  ['GET', `/scim/v2/${TENANT}/Groups/{id}`], ['PATCH', `/scim/v2/${TENANT}/Groups/{id}`], ['GET', `/scim/v2/${TENANT}/ServiceProviderConfig`], ['GET', `/scim/v2/${TENANT}/Schemas`],
  // The OIDC provider (issue 9).
  ['GET', '/.well-known/openid-configuration'], ['GET', '/oidc/auth'], ['POST', '/oidc/auth'], ['POST', '/oidc/token'], ['GET', '/oidc/me'], ['POST', '/oidc/me'], ['GET', '/oidc/jwks'],
  ['GET', '/oidc/session/end'], ['POST', '/oidc/session/end/confirm'], ['GET', '/oidc/interaction/{id}'], ['GET', '/oidc/auth/{id}'], ['GET', '/oidc/{id}'],
];
const consoleRoutes: [string, string][] = [
  ['GET', '/'], ['GET', '/login'], ['POST', '/login'], ['GET', '/sso'], ['GET', '/scim'], ['GET', '/users'], ['GET', '/groups'], ['GET', '/activity'], ['GET', '/plan'],
  ['GET', '/api/session'], ['GET', '/api/sso'], ['PUT', '/api/sso/metadata'], ['POST', '/api/sso/test'], ['POST', '/api/sso/activate'], ['PATCH', '/api/sso/settings'],
  ['POST', '/api/scim/tokens'], ['DELETE', '/api/scim/tokens/{id}'], ['GET', '/api/users'], ['POST', '/logout'], ['GET', '/assets/{id}'],
];
const operatorRoutes: [string, string][] = [
  ['GET', '/operator/tenants'], ['POST', '/operator/tenants'], ['GET', `/operator/tenants/${TENANT}`], ['POST', `/operator/tenants/${TENANT}/upgrade`],
  ['PUT', `/operator/tenants/${TENANT}/sso/metadata`], ['POST', `/operator/tenants/${TENANT}/sso/test`], ['PATCH', `/operator/tenants/${TENANT}/sso/settings`],
  ['POST', `/operator/tenants/${TENANT}/scim/tokens`], ['DELETE', `/operator/tenants/${TENANT}/scim/tokens/{id}`], ['POST', `/operator/tenants/${TENANT}/console-links`],
  ['GET', '/operator/apps'], ['POST', '/operator/apps'], ['GET', '/operator/apps/{id}'], ['POST', '/operator/apps/{id}/rotate-secret'], ['DELETE', '/operator/apps/{id}'],
];

// Path segments, cookies, queries and bodies that broke parsers somewhere.
const segments = ['%', '%E0%A4%A', '..%2F..%2Fetc', encodeURIComponent(MARKER), 'a'.repeat(3000), '%00', '__proto__'];
const cookies = ['natoma_session=%', 'natoma_admin=%E0%A4%A', 'natoma_login=%E0%A4%A', `natoma_login=${'A'.repeat(43)}`, '__Host-natoma_session=%', `natoma_session=${encodeURIComponent(MARKER)}`, 'natoma_session=a; natoma_session=b', `x=${'y'.repeat(3000)}`];
const queries = ['email=%', 'token=%E0%A4%A', `email=${encodeURIComponent(MARKER)}&ticket=${encodeURIComponent(MARKER)}`, 'filter=userName%20eq', 'startIndex=-1&count=abc', 'target_link_uri=javascript:alert(1)', `InResponseTo=${'x'.repeat(4000)}`,
  `client_id=${encodeURIComponent(MARKER)}&redirect_uri=${encodeURIComponent(MARKER)}&response_type=code&scope=openid&code_challenge=x&code_challenge_method=S256&login_hint=${encodeURIComponent(MARKER)}`,
  `id_token_hint=${encodeURIComponent(MARKER)}&post_logout_redirect_uri=javascript:alert(1)`, 'grant_type=authorization_code&code=%&redirect_uri=%'];
const bodies: { type: string; body: string }[] = [
  { type: 'application/x-www-form-urlencoded', body: 'email=%&SAMLResponse=%E0%A4%A' },
  { type: 'application/x-www-form-urlencoded', body: `SAMLResponse=${encodeURIComponent(Buffer.from(`<x>${MARKER}</x>`).toString('base64'))}&email=${encodeURIComponent(MARKER)}` },
  { type: 'application/json', body: '{"a":' },
  { type: 'application/json', body: 'null' },
  { type: 'application/json', body: '[1,2,3]' },
  { type: 'application/json', body: JSON.stringify({ userName: MARKER, schemas: 'x', Operations: 'x', metadataUrl: MARKER, name: { givenName: 7 }, email: 3 }) },
  { type: 'application/json', body: '['.repeat(5000) + ']'.repeat(5000) },
  { type: 'application/scim+json', body: JSON.stringify({ schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'], Operations: [{ op: 'replace', path: `members[value eq "${MARKER}"]` }] }) },
  { type: 'text/plain', body: MARKER },
];

let twin: RunningTwin;
let dataDir: string;
let tenantId: string;
let scimToken: string;
let consoleCookie: string;
let csrfToken: string;

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'natoma-fuzz-'));
  twin = await startTwin({ dataDir, port: 0, adminPort: 0, dynamoEndpoint: inject('dynamoEndpoint'), tableName: `fuzz-${randomUUID()}`, logLevel: 'error', logSink: () => {} });
  const created = await fetch(`${twin.adminUrl}/operator/tenants`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', [OPERATOR_KEY_HEADER]: twin.operatorKey },
    body: JSON.stringify({ name: 'Fuzz', domains: ['fuzz.test'] }),
  });
  tenantId = ((await created.json()) as { tenantId: string }).tenantId;
  expect(tenantId).toMatch(/^t[a-z0-9]{12}$/);
  // Real credentials, so that hostile input reaches the parsers behind authentication, not only the 401.
  const operator = (path: string, body?: unknown) =>
    fetch(`${twin.adminUrl}/operator/tenants/${tenantId}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', [OPERATOR_KEY_HEADER]: twin.operatorKey },
      body: JSON.stringify(body ?? {}),
    }).then((response) => response.json() as Promise<Record<string, unknown>>);
  await operator('/scim/enable');
  scimToken = String((await operator('/scim/tokens')).token);
  const issued = await operator('/console-links', { email: 'admin@fuzz.test' });
  if (typeof issued.url !== 'string') throw new Error(`no console link: ${JSON.stringify(issued)}`);
  const link = new URL(issued.url);
  const signedIn = await fetch(`${twin.adminUrl}/login`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', origin: new URL(twin.adminUrl).origin },
    body: new URLSearchParams({ token: link.searchParams.get('token')! }).toString(),
  });
  consoleCookie = signedIn.headers.getSetCookie().map((line) => line.split(';')[0]!).join('; ');
  const ssoPage = await (await fetch(`${twin.adminUrl}/sso`, { headers: { cookie: consoleCookie } })).text();
  csrfToken = /<meta name="csrf-token" content="([^"]+)"/.exec(ssoPage)?.[1] ?? '';
}, 120_000);

afterAll(async () => {
  await twin?.stop();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

interface Probe {
  method: string;
  url: string;
  headers: Record<string, string>;
  body?: string;
}

function probes(base: string, routes: [string, string][], extraHeaders: Record<string, string> = {}): Probe[] {
  const out: Probe[] = [];
  for (const [method, template] of routes) {
    const path = (tenant: string, id: string) => template.replace(TENANT, tenant).replace('{id}', id);
    const valid = path(tenantId, 'abc');
    for (const segment of segments) out.push({ method, url: base + path(segment, segment), headers: { ...extraHeaders } });
    for (const cookie of cookies) out.push({ method, url: base + valid, headers: { ...extraHeaders, cookie } });
    for (const query of queries) out.push({ method, url: `${base}${valid}?${query}`, headers: { ...extraHeaders } });
    if (method !== 'GET') for (const { type, body } of bodies) out.push({ method, url: base + valid, headers: { ...extraHeaders, 'content-type': type, origin: base }, body });
  }
  return out;
}

async function send(probe: Probe): Promise<{ status: number; text: string }> {
  const response = await fetch(probe.url, { method: probe.method, headers: probe.headers, body: probe.body, redirect: 'manual' });
  return { status: response.status, text: await response.text() };
}

async function expectNo5xx(all: Probe[]): Promise<void> {
  const failures: string[] = [];
  // A few at a time: the point is coverage, not load.
  for (let i = 0; i < all.length; i += 8) {
    const batch = all.slice(i, i + 8);
    const results = await Promise.all(batch.map(send));
    results.forEach((result, j) => {
      const probe = batch[j]!;
      const where = `${probe.method} ${probe.url.slice(0, 120)} cookie=${probe.headers.cookie?.slice(0, 40) ?? ''} body=${probe.body?.slice(0, 40) ?? ''}`;
      if (result.status >= 500) failures.push(`${result.status} ${where}`);
      if (result.text.includes(MARKER)) failures.push(`echoed the marker: ${where}`);
    });
  }
  expect(failures).toEqual([]);
}

describe('hostile input on every public route gets a 4xx (or the expected page), never a 5xx or an echo', () => {
  it('the API: sign-in pages, SAML endpoints and SCIM (with a valid SCIM token)', async () => {
    expect(scimToken).toMatch(/^natoma_scim_/);
    await expectNo5xx(probes(twin.apiUrl, apiRoutes, { authorization: `Bearer ${scimToken}` }));
  }, 240_000);

  it('the admin console, signed in', async () => {
    // Signed in, with the page's CSRF token: the probes reach the console's handlers, not only its sign-in redirect.
    expect(consoleCookie).toMatch(/natoma_admin=/);
    expect(csrfToken).not.toBe('');
    await expectNo5xx(probes(twin.adminUrl, consoleRoutes, { cookie: consoleCookie, 'x-csrf-token': csrfToken }));
  }, 240_000);

  it('the operator API, with a valid operator key', async () => {
    await expectNo5xx(probes(twin.adminUrl, operatorRoutes, { [OPERATOR_KEY_HEADER]: twin.operatorKey }));
  }, 240_000);
});
