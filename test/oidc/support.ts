import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inject } from 'vitest';
import { createDocumentClient } from '../../lambdas/adapters/dynamodb/client';
import { createDynamoAdapters, type DynamoAdapters } from '../../lambdas/adapters/dynamodb/index';
import { systemClock } from '../../lambdas/core/clock';
import { createApp, type AppRegistration } from '../../lambdas/core/oidc/apps';
import { Browserless, type Visit } from '../../local/browserless';
import { DEMO, type Demo } from '../../local/demo';
import { startTwin, type RunningTwin, type TwinOptions } from '../../local/twin';

/** A running twin with the demo tenant (SSO through the dev IdP) and a local "relying party" HTTP server. */
export interface OidcWorld {
  readonly twin: RunningTwin;
  readonly demo: Demo;
  readonly store: DynamoAdapters;
  /** http://127.0.0.1:<port> of the relying party's server (redirect URIs and the back-channel logout sink point here). */
  readonly rpUrl: string;
  /** Back-channel logout POSTs the relying party received (form bodies). */
  readonly logoutPosts: URLSearchParams[];
  /** How the RP answers the next back-channel logout POSTs (status codes, in order; then 200). */
  readonly logoutAnswers: number[];
  registerApp(extra?: Partial<AppRegistration>): Promise<{ clientId: string; clientSecret: string; redirectUri: string }>;
  stop(): Promise<void>;
}

export async function startOidcWorld(options: Partial<TwinOptions> = {}): Promise<OidcWorld> {
  // The demo is set up over HTTP through the same (maybe counted) client: counts start after it.
  const logoutPosts: URLSearchParams[] = [];
  const logoutAnswers: number[] = [];
  const rp: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      if (req.method === 'POST' && req.url === '/backchannel-logout') {
        const status = logoutAnswers.shift() ?? 200;
        if (status === 200) logoutPosts.push(new URLSearchParams(body));
        res.statusCode = status;
        return res.end();
      }
      res.statusCode = 200;
      res.end('relying party');
    });
  });
  await new Promise<void>((resolve) => rp.listen(0, '127.0.0.1', resolve));
  const rpUrl = `http://127.0.0.1:${(rp.address() as AddressInfo).port}`;
  const dataDir = await mkdtemp(join(tmpdir(), 'oidc-twin-'));
  const twin = await startTwin({ dataDir, port: 0, adminPort: 0, dynamoEndpoint: inject('dynamoEndpoint'), tableName: `oidc-${randomUUID()}`, logLevel: 'error', logSink: process.env.OIDC_TEST_LOGS ? (line: string) => console.error(line.slice(0, 3000)) : () => {}, demo: true, ...options });
  if (!twin.demo || !('ready' in twin.demo)) throw new Error(`demo not set up: ${JSON.stringify(twin.demo)}`);
  const store = createDynamoAdapters({ db: createDocumentClient({ endpoint: twin.dynamoEndpoint }), tableName: twin.tableName });
  return {
    twin,
    demo: twin.demo.ready,
    store,
    rpUrl,
    logoutPosts,
    logoutAnswers,
    async registerApp(extra = {}) {
      const redirectUri = `${rpUrl}/callback`;
      const { app, clientSecret } = await createApp({ apps: store.apps, clock: systemClock, runtimeMode: 'local' }, { name: 'Test app', redirectUris: [redirectUri], postLogoutRedirectUris: [`${rpUrl}/signed-out`], backchannelLogoutUri: `${rpUrl}/backchannel-logout`, ...extra });
      return { clientId: app.clientId, clientSecret, redirectUri };
    },
    async stop() {
      await twin.stop();
      await new Promise((resolve) => rp.close(resolve));
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

export const pkcePair = () => {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
};

export function authorizeUrl(apiUrl: string, params: Record<string, string>): string {
  return `${apiUrl}/oidc/auth?${new URLSearchParams({ response_type: 'code', scope: 'openid email profile groups', ...params }).toString()}`;
}

/** Where a run of the browser ended: at the RP (a redirect to it, not followed) or on a page of ours. */
export type Landing = { readonly kind: 'rp'; readonly url: URL; readonly idpVisited: boolean } | { readonly kind: 'page'; readonly visit: Visit; readonly idpVisited: boolean };

/**
 * Drives the browser from `url` as a person would: follows redirects and our "continue" pages, signs in at the
 * dev IdP as `email` when it asks, submits its auto-post form, and stops at the first redirect to `rpUrl`.
 */
export async function browse(browser: Browserless, url: string, rpUrl: string, email: string = DEMO.user.email): Promise<Landing> {
  let current = url;
  let init: { method?: string; headers?: Record<string, string>; body?: string } = {};
  let idpVisited = false;
  for (let hop = 0; hop < 20; hop++) {
    if (current.startsWith(rpUrl)) return { kind: 'rp', url: new URL(current), idpVisited };
    const response = await browser.request(current, init);
    init = {};
    const location = response.headers.get('location');
    if (response.status >= 300 && response.status < 400 && location) {
      await response.body?.cancel();
      current = new URL(location, current).href;
      continue;
    }
    const visit: Visit = { url: current, status: response.status, body: await response.text() };
    const next = /<a id="continue" href="([^"]+)"/.exec(visit.body)?.[1];
    if (next) {
      current = new URL(next.replace(/&amp;/g, '&'), current).href;
      continue;
    }
    if (visit.body.includes('action="/signin"') && visit.status === 200) {
      const result = await submitRaw(browser, visit, { email });
      current = result.url;
      init = result.init;
      continue;
    }
    if (current.includes('/_dev-idp/') && /<form\b/i.test(visit.body)) {
      idpVisited = true;
      const isSignIn = visit.body.includes('name="email"');
      const result = await submitRaw(browser, visit, isSignIn ? { email, firstName: 'Dev', lastName: 'User' } : {});
      current = result.url;
      init = result.init;
      continue;
    }
    return { kind: 'page', visit, idpVisited };
  }
  throw new Error(`too many hops from ${url}`);
}

async function submitRaw(_browser: Browserless, page: Visit, overrides: Record<string, string>) {
  const { firstPostForm } = await import('../../local/browserless');
  const form = firstPostForm(page.body, page.url)!;
  for (const [name, value] of Object.entries(overrides)) if (form.fields.has(name)) form.fields.set(name, value);
  return { url: form.action, init: { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: form.fields.toString() } };
}

export async function exchangeCode(apiUrl: string, input: { clientId: string; clientSecret: string; code: string; redirectUri: string; verifier: string; auth?: 'basic' | 'post' }): Promise<{ status: number; body: Record<string, unknown> }> {
  const form = new URLSearchParams({ grant_type: 'authorization_code', code: input.code, redirect_uri: input.redirectUri, code_verifier: input.verifier });
  const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded' };
  if (input.auth === 'post') {
    form.set('client_id', input.clientId);
    form.set('client_secret', input.clientSecret);
  } else headers.authorization = `Basic ${Buffer.from(`${encodeURIComponent(input.clientId)}:${encodeURIComponent(input.clientSecret)}`).toString('base64')}`;
  const response = await fetch(`${apiUrl}/oidc/token`, { method: 'POST', headers, body: form.toString() });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

/** One authorize request of `app` driven to the end: the code (or the page it stopped at) and whether the IdP was asked. */
export async function authorize(world: OidcWorld, browser: Browserless, app: { clientId: string; redirectUri: string }, params: Record<string, string> = {}, email?: string) {
  const { verifier, challenge } = pkcePair();
  const state = randomBytes(8).toString('hex');
  const nonce = randomBytes(8).toString('hex');
  const url = authorizeUrl(world.twin.apiUrl, { client_id: app.clientId, redirect_uri: app.redirectUri, state, nonce, code_challenge: challenge, code_challenge_method: 'S256', ...params });
  const landing = await browse(browser, url, world.rpUrl, email);
  const code = landing.kind === 'rp' ? (landing.url.searchParams.get('code') ?? undefined) : undefined;
  return { landing, code, state, nonce, verifier, idpVisited: landing.idpVisited };
}

/** The natoma app session cookie the browser holds, if any. */
export function sessionCookieOf(browser: Browserless, apiUrl: string): string | undefined {
  const header = browser.cookieHeader(apiUrl) ?? '';
  const value = /(?:^|; )natoma_session=([^;]*)/.exec(header)?.[1];
  return value ? value : undefined;
}
