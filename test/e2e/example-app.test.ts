/**
 * Issue 9, "what it must show" 1: the example app (examples/app) against the twin, in headless Chromium.
 * The app is registered as a client with redirect, post-logout, back-channel logout and initiate-login URIs,
 * and the twin's event stream POSTs directory events to its /events, as `npm run example` wires them.
 * A screenshot is kept at each step in test-results/e2e/.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, statSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import { createExampleApp, type ExampleApp } from '../../examples/app/app';
import { createDocumentClient } from '../../lambdas/adapters/dynamodb/client';
import { createDynamoAdapters } from '../../lambdas/adapters/dynamodb/index';
import { systemClock } from '../../lambdas/core/clock';
import { createApp } from '../../lambdas/core/oidc/apps';
import { DEMO, type Demo } from '../../local/demo';
import { EXAMPLE_APP_SCOPE } from '../../local/example-registration';
import { startTwin, type RunningTwin } from '../../local/twin';
import { launchChromium } from '../support/browser';

const SHOTS = 'test-results/e2e';
const WEBHOOK_KEY = randomBytes(18).toString('base64url');
const GROUP = 'Engineering';

let browser: Browser;
let twin: RunningTwin;
let demo: Demo;
let dataDir: string;
let appServer: Server;
let appUrl: string;
let app: ExampleApp;
const appLog: string[] = [];
const shots: string[] = [];

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
  // The app's URL goes into the client registration and the twin's webhook, so its server listens first.
  // Until the app exists (the demo's events come first), it answers 503 and the twin retries.
  appServer = createServer((request, response) => {
    if (app) return void app.handle(request, response);
    response.writeHead(503).end();
  });
  await new Promise<void>((resolve) => appServer.listen(0, '127.0.0.1', resolve));
  appUrl = `http://127.0.0.1:${(appServer.address() as AddressInfo).port}`;
  dataDir = await mkdtemp(join(tmpdir(), 'e2e-twin-'));
  const started = await Promise.all([
    launchChromium(),
    startTwin({ dataDir, port: 0, adminPort: 0, dynamoEndpoint: inject('dynamoEndpoint'), tableName: `e2e-${randomBytes(6).toString('hex')}`, logLevel: 'error', logSink: () => {}, demo: true, eventsWebhookUrl: `${appUrl}/events`, eventsWebhookKey: WEBHOOK_KEY }),
  ]);
  [browser, twin] = started;
  if (!twin.demo || !('ready' in twin.demo)) throw new Error(`demo not set up: ${JSON.stringify(twin.demo)}`);
  demo = twin.demo.ready;
  const store = createDynamoAdapters({ db: createDocumentClient({ endpoint: twin.dynamoEndpoint }), tableName: twin.tableName });
  const { app: client, clientSecret } = await createApp({ apps: store.apps, clock: systemClock, runtimeMode: 'local' }, {
    name: 'Example app',
    redirectUris: [`${appUrl}/callback`],
    postLogoutRedirectUris: [`${appUrl}/`],
    backchannelLogoutUri: `${appUrl}/backchannel-logout`,
    initiateLoginUri: `${appUrl}/initiate-login`,
  });
  app = createExampleApp({ issuer: twin.apiUrl, clientId: client.clientId, clientSecret, appUrl, port: 0, eventsWebhookKey: WEBHOOK_KEY, scope: EXAMPLE_APP_SCOPE }, (line) => appLog.push(line));
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await twin?.stop();
  appServer?.closeAllConnections();
  await new Promise((resolve) => appServer?.close(resolve));
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

const scim = (path: string, init: { method?: string; body?: unknown } = {}) =>
  fetch(`${demo.scimBaseUrl}${path}`, { method: init.method ?? 'GET', headers: { authorization: `Bearer ${demo.scimToken}`, 'content-type': 'application/scim+json' }, ...(init.body ? { body: JSON.stringify(init.body) } : {}) });

async function shot(page: Page, name: string): Promise<void> {
  const path = `${SHOTS}/${String(shots.length + 1).padStart(2, '0')}-${name}.png`;
  await page.screenshot({ path, fullPage: true });
  shots.push(path);
}

/** Every URL the browser asks for (navigations, redirects, form posts), in order. */
function recordRequests(context: BrowserContext): string[] {
  const seen: string[] = [];
  context.on('request', (request) => seen.push(request.url()));
  return seen;
}

/** "Sign in with SSO" at the app, our email form, then the dev IdP; resolves on the IdP's page. */
async function signInUpToIdp(page: Page): Promise<void> {
  await page.goto(`${appUrl}/`);
  await page.getByRole('button', { name: 'Sign in with SSO' }).click();
  await page.waitForURL((url) => url.href.startsWith(`${twin.apiUrl}/signin`));
  await page.getByLabel('Work email').fill(DEMO.user.email);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL(/\/_dev-idp\/sso/);
}

async function signInAtIdp(page: Page): Promise<void> {
  await page.getByLabel('Email').fill(DEMO.user.email);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

/** The data of the `session.ended` event the app's /events received for our session `sid`, if any. */
const sessionEndedAtApp = (sid: string) => app.events.list().find((event) => event.type === 'session.ended' && (event.data as { sid?: string } | undefined)?.sid === sid)?.data;

const cell = (page: Page, claim: string) => page.locator('tr', { has: page.locator('th', { hasText: new RegExp(`^${claim}$`) }) }).locator('td');

it('signs a demo user into the example app through the dev IdP, signs in again without it, logs out, and ends with a SCIM deactivation', async () => {
  // The demo user gets a group over SCIM first, so the groups claim has something to show.
  const found = (await (await scim(`/Users?filter=${encodeURIComponent(`userName eq "${DEMO.user.email}"`)}`)).json()) as { Resources: { id: string }[] };
  const scimUserId = found.Resources[0]!.id;
  const group = await scim('/Groups', { method: 'POST', body: { schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'], displayName: GROUP, members: [{ value: scimUserId }] } });
  expect(group.status).toBe(201);

  const context = await browser.newContext();
  const requests = recordRequests(context);
  const page = await context.newPage();

  // 1. Sign in: the app → our sign-in page → the dev IdP → back at the app, which shows the claims.
  await page.goto(`${appUrl}/`);
  await shot(page, 'app-home');
  await page.getByRole('button', { name: 'Sign in with SSO' }).click();
  await page.waitForURL((url) => url.href.startsWith(`${twin.apiUrl}/signin`));
  await page.getByLabel('Work email').fill(DEMO.user.email);
  await shot(page, 'our-sign-in-page');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL(/\/_dev-idp\/sso/);
  await page.getByLabel('Email').fill(DEMO.user.email);
  await shot(page, 'dev-idp');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL(`${appUrl}/me`, { timeout: 15_000 });
  await expect.poll(() => cell(page, 'tenant_id').innerText()).toBe(demo.tenantId);
  expect(await cell(page, 'email').innerText()).toBe(DEMO.user.email);
  expect(await cell(page, 'name').innerText()).toBe(`${DEMO.user.firstName} ${DEMO.user.lastName}`);
  expect(await cell(page, 'groups').innerText()).toContain(GROUP);
  const sub = await cell(page, 'sub').innerText();
  const firstSid = await cell(page, 'sid').innerText();
  await shot(page, 'claims-after-sign-in');

  // 2. The app forgets its own session only; the next "Sign in with SSO" gets a code without the IdP.
  await context.clearCookies({ name: 'example_app_session' });
  await page.goto(`${appUrl}/me`);
  await page.waitForURL(`${appUrl}/`);
  const before = requests.length;
  await page.getByRole('button', { name: 'Sign in with SSO' }).click();
  await page.waitForURL(`${appUrl}/me`, { timeout: 15_000 });
  const secondSignIn = requests.slice(before);
  expect(secondSignIn.some((url) => url.startsWith(`${appUrl}/callback?`))).toBe(true);
  expect(secondSignIn.filter((url) => url.includes('/_dev-idp'))).toEqual([]);
  expect(await cell(page, 'tenant_id').innerText()).toBe(demo.tenantId);
  expect(await cell(page, 'sid').innerText()).toBe(firstSid); // the same session of ours authorised it
  await shot(page, 'second-sign-in-without-idp');

  // 3. The app's logout (RP-initiated) ends our session too.
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.waitForURL((url) => url.href.startsWith(`${twin.apiUrl}/oidc/session/end`));
  await shot(page, 'our-sign-out-confirmation');
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.waitForURL(`${appUrl}/`);
  expect(await page.getByRole('button', { name: 'Sign in with SSO' }).count()).toBe(1);
  await shot(page, 'app-after-logout');
  await expect.poll(() => sessionEndedAtApp(firstSid), { timeout: 20_000, interval: 200 }).toMatchObject({ reason: 'rp-logout' });
  await page.goto(`${twin.apiUrl}/dashboard`);
  expect(new URL(page.url()).pathname).toBe('/signin');
  await shot(page, 'dashboard-asks-to-sign-in');
  // A new sign-in goes to the IdP again.
  await signInUpToIdp(page);
  await signInAtIdp(page);
  await page.waitForURL(`${appUrl}/me`, { timeout: 15_000 });
  expect(await cell(page, 'sub').innerText()).toBe(sub);
  const sid = await cell(page, 'sid').innerText();
  await shot(page, 'signed-in-again');

  // 4. SCIM deactivates the user: the app gets a back-channel logout for that session, and the events.
  const patched = await scim(`/Users/${scimUserId}`, { method: 'PATCH', body: { schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'], Operations: [{ op: 'replace', value: { active: false } }] } });
  expect(patched.status).toBe(200);
  await expect.poll(() => app.logouts.map((logout) => logout.sid), { timeout: 20_000, interval: 200 }).toContain(sid);
  expect(app.logouts.find((logout) => logout.sid === sid)?.sessionsEnded).toBe(1);
  await expect.poll(() => app.events.list().filter((event) => event.tenantId === demo.tenantId).map((event) => event.type), { timeout: 20_000, interval: 200 }).toContain('user.deactivated');
  await expect.poll(() => sessionEndedAtApp(sid), { timeout: 20_000, interval: 200 }).toMatchObject({ reason: 'deactivated' });
  await page.reload();
  await page.waitForURL(`${appUrl}/`);
  expect(await page.getByRole('button', { name: 'Sign in with SSO' }).count()).toBe(1);
  await shot(page, 'signed-out-by-back-channel');
  await page.goto(`${appUrl}/received`);
  // Two: our logout in step 3 ended a session too (the app is told of every session of ours that ends).
  expect(await page.getByRole('heading', { name: 'Back-channel logouts (2)' }).count()).toBe(1);
  const received = await page.locator('body').innerText();
  expect(received).toContain(sid);
  expect(received).toContain(firstSid);
  expect(received).toContain('user.deactivated');
  expect(received).toContain('session.ended');
  await shot(page, 'received-logout-and-events');

  // The user's next sign-in fails at our ACS: the page says so, and no code reaches the app.
  const beforeRefusal = requests.length;
  await signInUpToIdp(page);
  await signInAtIdp(page);
  await page.waitForURL((url) => url.href.startsWith(`${twin.apiUrl}/`) && !url.pathname.startsWith('/_dev-idp'));
  await expect.poll(() => page.locator('body').innerText()).toMatch(/account is deactivated/i);
  expect(requests.slice(beforeRefusal).filter((url) => url.startsWith(`${appUrl}/callback`))).toEqual([]);
  expect(page.url().startsWith(appUrl)).toBe(false);
  await shot(page, 'deactivated-user-refused');

  await context.close();
  for (const path of shots) expect(statSync(path).size, path).toBeGreaterThan(0);
  expect(shots).toHaveLength(12);
}, 90_000);
