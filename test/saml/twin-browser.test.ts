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

  async function signInAtDevIdp(email: string, firstName: string, lastName: string): Promise<void> {
    await page.waitForURL(/\/_dev-idp\/(sso|tile)/);
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('First name').fill(firstName);
    await page.getByLabel('Last name').fill(lastName);
    await page.getByRole('button', { name: 'Sign in' }).click();
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
});
