import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createDocumentClient } from '../../lambdas/adapters/dynamodb/client';
import { createDynamoAdapters } from '../../lambdas/adapters/dynamodb/index';
import { idpMetadataSource } from '../../lambdas/adapters/saml-metadata/index';
import { systemClock } from '../../lambdas/core/clock';
import type { TenantId } from '../../lambdas/core/ids';
import { SamlConfiguration } from '../../lambdas/core/sso/configuration';
import { createTenant } from '../../lambdas/core/tenancy/tenant-admin';
import { OPERATOR_KEY_HEADER } from '../../local/operator-key';
import { startTwin, type RunningTwin } from '../../local/twin';
import { launchChromium } from '../support/browser';

/**
 * Issue 11, the hostile browser, on the local twin in headless Chromium: a page on another site
 * (http://localhost:<port>, another site than the twin's 127.0.0.1) tries to complete a console sign-in
 * and to sign the victim out; a link scanner prefetches a console link. Each is refused without a cookie
 * or a change, and the genuine flow still works afterwards.
 */
describe('the sign-in surfaces against a hostile page, in Chromium', () => {
  let twin: RunningTwin;
  let dataDir: string;
  let browser: Browser;
  let attacker: Server;
  let attackerBase: string;
  let attackerPage = '';
  let tenantId: TenantId;
  let domain: string;

  beforeAll(async () => {
    browser = await launchChromium();
    dataDir = await mkdtemp(join(tmpdir(), 'hostile-browser-'));
    twin = await startTwin({ dataDir, port: 0, adminPort: 0, dynamoEndpoint: inject('dynamoEndpoint'), tableName: `hostile-${randomUUID()}`, logLevel: 'error', logSink: () => {} });
    attacker = createServer((_req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end(attackerPage));
    await new Promise<void>((resolve) => attacker.listen(0, '127.0.0.1', resolve));
    attackerBase = `http://localhost:${(attacker.address() as AddressInfo).port}`;
    const store = createDynamoAdapters({ db: createDocumentClient({ endpoint: twin.dynamoEndpoint }), tableName: twin.tableName });
    domain = `hostile-${randomUUID().slice(0, 8)}.example.com`;
    tenantId = (await createTenant({ tenants: store.tenants, activity: store.activity, clock: systemClock }, { name: 'Victim Co', domains: [domain], plan: 'paid' })).id;
    const configuration = new SamlConfiguration({ tenants: store.tenants, ephemeral: store.ephemeral, activity: store.activity, clock: systemClock, apiBaseUrl: twin.apiUrl, metadata: idpMetadataSource({ mode: 'local' }) });
    await configuration.setMetadata(tenantId, { url: `${twin.apiUrl}/_dev-idp/metadata` });
    const setup = await browser.newPage();
    await setup.goto((await configuration.startTest(tenantId)).testUrl);
    await signInAtDevIdp(setup, `admin@${domain}`);
    await setup.getByRole('heading', { name: 'Test SAML passed' }).waitFor();
    await setup.close();
    await configuration.activate(tenantId);
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    attacker?.closeAllConnections();
    await new Promise((resolve) => attacker?.close(resolve));
    await twin?.stop();
    await rm(dataDir, { recursive: true, force: true });
  });

  async function signInAtDevIdp(page: Page, email: string): Promise<void> {
    await page.waitForURL(/\/_dev-idp\/(sso|tile)/);
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('First name').fill('Vic');
    await page.getByLabel('Last name').fill('Tim');
    await page.getByRole('button', { name: 'Sign in' }).click();
  }

  const consoleLink = async (email: string): Promise<string> => {
    const response = await fetch(`${twin.adminUrl}/operator/tenants/${tenantId}/console-links`, { method: 'POST', headers: { 'content-type': 'application/json', [OPERATOR_KEY_HEADER]: twin.operatorKey }, body: JSON.stringify({ email }) });
    return String(((await response.json()) as { url: string }).url);
  };
  /** Opens the attacker's page in `context`: it auto-submits `fields` to `action` (as a hidden iframe or a link lure would). */
  const postFromAttacker = async (context: BrowserContext, action: string, fields: Record<string, string>): Promise<Page> => {
    attackerPage = `<form method="post" action="${action}">${Object.entries(fields).map(([k, v]) => `<input type="hidden" name="${k}" value="${v}">`).join('')}<button>Win a prize</button></form>`;
    const page = await context.newPage();
    await page.goto(`${attackerBase}/prize`);
    await page.getByRole('button', { name: 'Win a prize' }).click();
    await page.waitForLoadState('load');
    return page;
  };
  const cookieNames = async (context: BrowserContext, url: string) => (await context.cookies(url)).map((c) => c.name);

  it('refuses a cross-site completion of a console link (no console cookie), and the link still works for the admin', async () => {
    const link = await consoleLink(`boss@${domain}`);
    const victim = await browser.newContext();
    const refused = await postFromAttacker(victim, `${twin.adminUrl}/login`, { token: new URL(link).searchParams.get('token')! });
    expect(await refused.textContent('main')).toContain('sent from another site');
    expect(await cookieNames(victim, twin.adminUrl)).not.toContain('natoma_admin');
    await victim.close();

    const admin = await browser.newContext();
    const page = await admin.newPage();
    await page.goto(link);
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.waitForURL(`${twin.adminUrl}/sso`);
    expect(await cookieNames(admin, twin.adminUrl)).toContain('natoma_admin');
    await admin.close();
  });

  it('lets a link scanner prefetch a console link without spending it', async () => {
    const link = await consoleLink(`scanned@${domain}`);
    for (let i = 0; i < 3; i++) expect((await fetch(link)).status).toBe(200);
    const admin = await browser.newContext();
    const page = await admin.newPage();
    await page.goto(link);
    expect(await page.locator('[data-field=tenant]').textContent()).toBe('Victim Co');
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.waitForURL(`${twin.adminUrl}/sso`);
    await admin.close();
  });

  it('refuses a cross-site sign-out of the app session and of the console session', async () => {
    const context = await browser.newContext();
    // Signed in to the app (SP-initiated) and to the console (a link).
    const app = await context.newPage();
    await app.goto(`${twin.apiUrl}/signin`);
    await app.getByLabel('Work email').fill(`vic@${domain}`);
    await app.getByRole('button', { name: 'Sign in' }).click();
    await signInAtDevIdp(app, `vic@${domain}`);
    await app.waitForURL(`${twin.apiUrl}/dashboard`);
    await app.goto(await consoleLink(`vic@${domain}`));
    await app.getByRole('button', { name: 'Continue' }).click();
    await app.waitForURL(`${twin.adminUrl}/sso`);

    const appLogout = await postFromAttacker(context, `${twin.apiUrl}/logout`, {});
    expect(await appLogout.textContent('main')).toContain('Not signed out');
    const consoleLogout = await postFromAttacker(context, `${twin.adminUrl}/logout`, { csrf: 'guessed' });
    expect(consoleLogout.url()).not.toContain('signedOut');

    // Both sessions are intact.
    await app.goto(`${twin.apiUrl}/dashboard`);
    expect(new URL(app.url()).pathname).toBe('/dashboard');
    await app.goto(`${twin.adminUrl}/sso`);
    expect(new URL(app.url()).pathname).toBe('/sso');
    // The genuine buttons still sign out.
    await app.goto(`${twin.apiUrl}/dashboard`);
    await app.getByRole('button', { name: 'Sign out' }).click();
    await app.getByRole('heading', { name: 'You are signed out' }).waitFor();
    await context.close();
  });
});
