import { randomBytes, randomUUID } from 'node:crypto';
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
import type { Browserless } from '../../local/browserless';
import type { Demo } from '../../local/demo';
import { startTwin, type RunningTwin, type TwinOptions } from '../../local/twin';
import { authorizeUrl, browse, pkcePair } from './drive';

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

export { authorizeUrl, browse, exchangeCode, pkcePair, sessionCookieOf, type Landing } from './drive';
