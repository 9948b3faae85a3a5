import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { launchChromium } from '../support/browser';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createDocumentClient } from '../../lambdas/adapters/dynamodb/client';
import { createDynamoAdapters } from '../../lambdas/adapters/dynamodb/index';
import { systemClock } from '../../lambdas/core/clock';
import type { TenantId } from '../../lambdas/core/ids';
import { createTenant } from '../../lambdas/core/tenancy/tenant-admin';
import { idpMetadataSource } from '../../lambdas/adapters/saml-metadata/index';
import { SamlConfiguration } from '../../lambdas/core/sso/configuration';
import { startTwin, type RunningTwin } from '../../local/twin';

const SHOTS = 'test-results/saml';

/** Issue 3, item 1, on the local twin itself (npm start's composition): the SAML surface and the dev IdP it mounts. */
describe('SAML on the local twin in headless Chromium', () => {
  let twin: RunningTwin;
  let dataDir: string;
  let browser: Browser;
  let page: Page;
  let tenantId: TenantId;
  let domain: string;
  let wired = false;

  beforeAll(async () => {
    browser = await launchChromium();
    mkdirSync(SHOTS, { recursive: true });
    dataDir = await mkdtemp(join(tmpdir(), 'saml-twin-'));
    twin = await startTwin({ dataDir, port: 0, adminPort: 0, dynamoEndpoint: inject('dynamoEndpoint'), tableName: `saml-twin-${randomUUID()}`, logLevel: 'error', logSink: () => {} });
    wired = twin.surfaces.saml && twin.surfaces['dev-idp'];
    if (!wired) return;
    const store = createDynamoAdapters({ db: createDocumentClient({ endpoint: twin.dynamoEndpoint }), tableName: twin.tableName });
    domain = `twin-${randomUUID().slice(0, 8)}.example.com`;
    const tenant = await createTenant({ tenants: store.tenants, activity: store.activity, clock: systemClock }, { name: 'Twin Co', domains: [domain], plan: 'paid' });
    tenantId = tenant.id;
    // What the admin API does for "paste the metadata URL" (the console e2e drives the same through its pages).
    const configuration = new SamlConfiguration({ tenants: store.tenants, ephemeral: store.ephemeral, activity: store.activity, clock: systemClock, apiBaseUrl: twin.apiUrl, metadata: idpMetadataSource({ mode: 'local' }) });
    await configuration.setMetadata(tenantId, { url: `${twin.apiUrl}/_dev-idp/metadata` });
    page = await browser.newPage();
    const { testUrl } = await configuration.startTest(tenantId);
    await page.goto(testUrl);
    await signInAtDevIdp(`admin@${domain}`, 'Ada', 'Admin');
    await page.getByRole('heading', { name: 'Test SAML passed' }).waitFor();
    await page.screenshot({ path: `${SHOTS}/twin-test-saml-passed.png` });
    await configuration.activate(tenantId);
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await twin?.stop();
    await rm(dataDir, { recursive: true, force: true });
  });

  async function signInAtDevIdp(email: string, firstName: string, lastName: string, on: Page = page): Promise<void> {
    await on.waitForURL(/\/_dev-idp\/(sso|tile)/);
    await on.getByLabel('Email').fill(email);
    await on.getByLabel('First name').fill(firstName);
    await on.getByLabel('Last name').fill(lastName);
    await on.getByRole('button', { name: 'Sign in' }).click();
  }

  it('serves the SAML surface and the dev IdP', () => {
    expect(wired, 'the twin must mount the SAML handler and the dev IdP').toBe(true);
  });

  it('signs in SP-initiated by email onto the dashboard, JIT-creating the user, and logs out', async ({ skip }) => {
    if (!wired) skip();
    await page.goto(`${twin.apiUrl}/signin`);
    await page.getByLabel('Work email').fill(`lin@${domain}`);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await signInAtDevIdp(`lin@${domain}`, 'Lin', 'Okafor');
    await page.waitForURL(`${twin.apiUrl}/dashboard`);
    expect((await page.locator('[data-field=name]').textContent())?.trim()).toBe('Lin Okafor');
    expect(await page.locator('[data-field=tenant]').textContent()).toContain('Twin Co');
    await page.screenshot({ path: `${SHOTS}/twin-dashboard.png` });
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('heading', { name: 'You are signed out' }).waitFor();
    await page.goto(`${twin.apiUrl}/dashboard`);
    await page.waitForURL(`${twin.apiUrl}/signin`);
  });

  it('signs in IdP-initiated from the tile and through the Initiate login URI', async ({ skip }) => {
    if (!wired) skip();
    await page.goto(`${twin.apiUrl}/_dev-idp/tile?tenant=${tenantId}`);
    await signInAtDevIdp(`lin@${domain}`, 'Lin', 'Okafor');
    await page.waitForURL(`${twin.apiUrl}/dashboard`);
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.goto(`${twin.apiUrl}/saml/${tenantId}/login`);
    await signInAtDevIdp(`lin@${domain}`, 'Lin', 'Okafor');
    await page.waitForURL(`${twin.apiUrl}/dashboard`);
    expect((await page.locator('[data-field=email]').textContent())?.trim()).toBe(`lin@${domain}`);
  });

  it('binds an SP-initiated login to the browser that started it: the response posted from another browser is refused', async ({ skip }) => {
    if (!wired) skip();
    const attacker = await browser.newContext();
    const victim = await browser.newContext();
    try {
      // The attacker signs in at the IdP in their own browser, keeps the response and stops before the ACS.
      const own = await attacker.newPage();
      let captured: string | undefined;
      await own.route('**/saml/*/acs', async (intercepted) => {
        captured = intercepted.request().postData() ?? undefined;
        await intercepted.abort();
      });
      await own.goto(`${twin.apiUrl}/signin`);
      const binding = (await attacker.cookies(twin.apiUrl)).find((c) => c.name === 'natoma_login');
      expect(binding, 'no binding before a login starts').toBeUndefined();
      await own.getByLabel('Work email').fill(`mallory@${domain}`);
      await own.getByRole('button', { name: 'Sign in' }).click();
      await signInAtDevIdp(`mallory@${domain}`, 'Mallory', 'Attacker', own);
      await expect.poll(() => captured).toBeDefined();
      expect((await attacker.cookies(twin.apiUrl)).map((c) => c.name)).toContain('natoma_login');

      // A page of the attacker's makes the victim's browser post it (cross-site, the way an IdP posts).
      const target = await victim.newPage();
      const fields = [...new URLSearchParams(captured!)].map(([name, value]) => `<input type="hidden" name="${name}" value="${value.replace(/"/g, '&quot;')}">`).join('');
      await target.setContent(`<form method="post" action="${twin.apiUrl}/saml/${tenantId}/acs">${fields}<button>go</button></form>`);
      await target.getByRole('button', { name: 'go' }).click();
      await target.getByRole('heading', { name: 'Sign-in started in another browser' }).waitFor();
      await target.screenshot({ path: `${SHOTS}/twin-login-csrf-refused.png` });
      expect((await victim.cookies(twin.apiUrl)).map((c) => c.name)).not.toContain('natoma_session');
      await target.getByRole('link', { name: 'Start signing in again' }).click();
      await target.waitForURL(/\/_dev-idp\/sso/);
    } finally {
      await attacker.close();
      await victim.close();
    }
  });
});
