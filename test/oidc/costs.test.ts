import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { Browserless } from '../../local/browserless';
import { DEMO } from '../../local/demo';
import { fidelityFrom } from '../../local/faithful/config';
import { countingClient, type CountingClient } from '../support/counting-client';
import { authorize, exchangeCode, startOidcWorld, type OidcWorld } from './support';

/**
 * DynamoDB calls per OIDC login (authorize + token + userinfo), counted on the twin's own client, beside the
 * SAML login it wraps; docs/architecture.md ("OpenID Connect provider") records the figures.
 */
let world: OidcWorld;
let counter: CountingClient | undefined;
beforeAll(async () => {
  world = await startOidcWorld({
    wrapDb: (db: DynamoDBDocumentClient) => {
      counter = countingClient(db);
      return counter.db;
    },
  });
}, 120_000);
afterAll(async () => world?.stop());

it('counts the DynamoDB calls of a first login through SAML and of a login with a session', async () => {
  const app = await world.registerApp();
  const browser = new Browserless();
  const login = async (params: Record<string, string> = {}) => {
    const run = await authorize(world, browser, app, params);
    const tokens = await exchangeCode(world.twin.apiUrl, { ...app, code: run.code!, verifier: run.verifier });
    const info = await fetch(`${world.twin.apiUrl}/oidc/me`, { headers: { authorization: `Bearer ${String(tokens.body.access_token)}` } });
    expect(info.status).toBe(200);
    return run;
  };
  const first = await counter!.measure(() => login({ login_hint: DEMO.user.email }));
  expect(first.result.idpVisited).toBe(true);
  const again = await counter!.measure(() => login());
  expect(again.result.idpVisited).toBe(false);
  console.log(JSON.stringify({ firstLogin: first.counts.calls, firstTotal: first.counts.total, withSession: again.counts.calls, withSessionTotal: again.counts.total }));
  expect(first.counts.scanned || again.counts.scanned).toBe(false);
  // The faithful twin sends consecutive requests to different containers (round robin), so the per-container caches
  // read once more on each: apps at the resume authorize and userinfo, SAML tenants at sign-in and the ACS.
  const coldCaches = fidelityFrom() === 'aws' ? { first: 4, again: 2 } : { first: 0, again: 0 };
  expect(first.counts.total).toBeLessThanOrEqual(35 + coldCaches.first);
  expect(again.counts.total).toBeLessThanOrEqual(19 + coldCaches.again);
}, 60_000);
