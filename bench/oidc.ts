import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { createDocumentClient } from '../lambdas/adapters/dynamodb/client';
import { createDynamoAdapters } from '../lambdas/adapters/dynamodb/index';
import { systemClock } from '../lambdas/core/clock';
import { createApp } from '../lambdas/core/oidc/apps';
import { Browserless } from '../local/browserless';
import { DEMO } from '../local/demo';
import { startTwin } from '../local/twin';
import { countingClient, type CountingClient, type DynamoCallCounts } from '../test/support/counting-client';
import { authorizeUrl, browse, exchangeCode, pkcePair, sessionCookieOf } from '../test/oidc/drive';

const ROUNDS = Number(process.env.OIDC_BENCH_ROUNDS ?? 30);
// The relying party is never reached: the browser stops at the first redirect to it, code in hand.
const RP = 'http://127.0.0.1:9/rp';

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
};
const round = (value: number, digits = 2): number => Math.round(value * 10 ** digits) / 10 ** digits;

interface Tally {
  readonly ms: number[];
  readonly counts: DynamoCallCounts[];
}

function summary(tally: Tally) {
  const perLogin = (pick: (counts: DynamoCallCounts) => number) => median(tally.counts.map(pick));
  const commands = new Set(tally.counts.flatMap((counts) => Object.keys(counts.calls)));
  return {
    medianMs: round(median(tally.ms), 1),
    dynamoCalls: perLogin((counts) => counts.total),
    byCommand: Object.fromEntries([...commands].sort().map((name) => [name, perLogin((counts) => counts.calls[name] ?? 0)])),
    itemsRead: perLogin((counts) => counts.itemsRead),
    itemsWritten: perLogin((counts) => counts.itemsWritten),
  };
}

/**
 * OIDC login figures on a twin started in this process with the demo tenant (dev IdP): (a) the SAML login alone,
 * (b) a first OIDC login through it, (c) an OIDC login with a session; median time and DynamoDB calls (counted
 * on the twin's own client) per login, the rounds of the three interleaved so that load drift hits all alike.
 */
export async function benchOidc(endpoint: string): Promise<Record<string, unknown>> {
  let counter: CountingClient | undefined;
  const dataDir = await mkdtemp(join(tmpdir(), 'bench-oidc-'));
  const twin = await startTwin({
    dataDir,
    port: 0,
    adminPort: 0,
    dynamoEndpoint: endpoint,
    tableName: `bench-oidc-${randomUUID()}`,
    logLevel: 'error',
    logSink: () => undefined,
    demo: true,
    wrapDb: (db: DynamoDBDocumentClient) => {
      counter = countingClient(db);
      return counter.db;
    },
  });
  try {
    if (!twin.demo || !('ready' in twin.demo)) throw new Error(`demo not set up: ${JSON.stringify(twin.demo)}`);
    const store = createDynamoAdapters({ db: createDocumentClient({ endpoint }), tableName: twin.tableName });
    const redirectUri = `${RP}/callback`;
    const { app, clientSecret } = await createApp({ apps: store.apps, clock: systemClock, runtimeMode: 'local' }, { name: 'Bench app', redirectUris: [redirectUri] });
    const email = DEMO.user.email;

    const samlLogin = async (): Promise<Browserless> => {
      const browser = new Browserless();
      const dashboard = `${twin.apiUrl}/dashboard`;
      const landing = await browse(browser, `${twin.apiUrl}/signin?${new URLSearchParams({ email }).toString()}`, dashboard, email);
      if (landing.kind !== 'rp' || !landing.idpVisited || !sessionCookieOf(browser, twin.apiUrl)) throw new Error('the SAML login did not end in a session');
      return browser;
    };
    const oidcLogin = async (browser: Browserless, expectIdp: boolean, params: Record<string, string> = {}) => {
      const { verifier, challenge } = pkcePair();
      const url = authorizeUrl(twin.apiUrl, { client_id: app.clientId, redirect_uri: redirectUri, state: randomBytes(8).toString('hex'), nonce: randomBytes(8).toString('hex'), code_challenge: challenge, code_challenge_method: 'S256', ...params });
      const landing = await browse(browser, url, RP, email);
      const code = landing.kind === 'rp' ? landing.url.searchParams.get('code') : null;
      if (!code || landing.idpVisited !== expectIdp) throw new Error(`the authorize request did not end as expected (code: ${Boolean(code)}, IdP visited: ${landing.idpVisited})`);
      const tokens = await exchangeCode(twin.apiUrl, { clientId: app.clientId, clientSecret, code, redirectUri, verifier });
      if (tokens.status !== 200) throw new Error(`token endpoint answered ${tokens.status}`);
      const info = await fetch(`${twin.apiUrl}/oidc/me`, { headers: { authorization: `Bearer ${String(tokens.body.access_token)}` } });
      if (info.status !== 200) throw new Error(`userinfo answered ${info.status}`);
      await info.arrayBuffer();
    };
    const timed = async (tally: Tally, work: () => Promise<unknown>) => {
      const started = performance.now();
      const { counts } = await counter!.measure(work);
      tally.ms.push(performance.now() - started);
      tally.counts.push(counts);
    };

    // Warm-up: the first requests load oidc-provider, keys and caches.
    await oidcLogin(await samlLogin(), false);
    await oidcLogin(new Browserless(), true, { login_hint: email });

    const saml: Tally = { ms: [], counts: [] };
    const first: Tally = { ms: [], counts: [] };
    const withSession: Tally = { ms: [], counts: [] };
    for (let i = 0; i < ROUNDS; i++) {
      await timed(saml, samlLogin);
      const browser = new Browserless();
      await timed(first, () => oidcLogin(browser, true, { login_hint: email }));
      await timed(withSession, () => oidcLogin(browser, false));
    }
    const a = summary(saml);
    const b = summary(first);
    const c = summary(withSession);
    return {
      rounds: ROUNDS,
      samlLogin: a,
      firstOidcLogin: b,
      oidcLoginWithSession: c,
      ratios: { firstOverSaml: round(b.medianMs / a.medianMs), withSessionOverSaml: round(c.medianMs / a.medianMs) },
    };
  } finally {
    await twin.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
}
