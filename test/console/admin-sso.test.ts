import { randomUUID } from 'node:crypto';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { launchChromium } from '../support/browser';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createDocumentClient } from '../../lambdas/adapters/dynamodb/client';
import { createDynamoAdapters, type DynamoAdapters } from '../../lambdas/adapters/dynamodb/index';
import { systemClock } from '../../lambdas/core/clock';
import { asUserId, type TenantId } from '../../lambdas/core/ids';
import { createTenant } from '../../lambdas/core/tenancy/tenant-admin';
import { idpMetadataSource } from '../../lambdas/adapters/saml-metadata/index';
import { SamlConfiguration } from '../../lambdas/core/sso/configuration';
import { startTwin, type RunningTwin } from '../../local/twin';

const SCREENSHOTS = join(process.cwd(), 'test-results', 'screenshots');

/**
 * Admin sign-in with SSO on the local twin, in headless Chromium: console login page → "Sign in with SSO"
 * → dev IdP → ACS (API origin) → console (admin origin, another port). The dev IdP's auto-post page limits
 * form-action to the ACS origin, as real IdPs may: the hop to the console must not be a redirect of that POST.
 */
describe('admin console sign-in with SSO through the dev IdP', () => {
  let twin: RunningTwin;
  let dataDir: string;
  let store: DynamoAdapters;
  let browser: Browser;
  let tenantId: TenantId;
  let domain: string;

  const newUser = async (email: string, isAdmin: boolean) => {
    const now = new Date().toISOString();
    await store.users.create({ tenantId, id: asUserId(randomUUID()), userName: email, active: true, displayName: email.split('@')[0], emails: [{ value: email, primary: true, type: 'work' }], profile: {}, source: 'jit', isAdmin, createdAt: now, updatedAt: now, version: 1 });
  };

  const signInAtDevIdp = async (page: Page, email: string) => {
    await page.waitForURL(/\/_dev-idp\/sso/);
    await page.getByLabel('Email').fill(email);
    await page.getByRole('button', { name: 'Sign in' }).click();
  };

  const ssoFromConsole = async (context: BrowserContext, email: string): Promise<Page> => {
    const page = await context.newPage();
    await page.goto(`${twin.adminUrl}/login`);
    await page.getByLabel('Work email or tenant ID').fill(email);
    await page.getByRole('button', { name: 'Sign in with SSO' }).click();
    await signInAtDevIdp(page, email);
    return page;
  };

  beforeAll(async () => {
    browser = await launchChromium();
    await mkdir(SCREENSHOTS, { recursive: true });
    dataDir = await mkdtemp(join(tmpdir(), 'natoma-admin-sso-'));
    twin = await startTwin({ dataDir, port: 0, adminPort: 0, dynamoEndpoint: inject('dynamoEndpoint'), tableName: `admin-sso-${randomUUID()}`, logLevel: 'error', logSink: () => {} });
    store = createDynamoAdapters({ db: createDocumentClient({ endpoint: twin.dynamoEndpoint }), tableName: twin.tableName });
    domain = `adm-${randomUUID().slice(0, 8)}.example.com`;
    const tenant = await createTenant({ tenants: store.tenants, activity: store.activity, clock: systemClock }, { name: 'Admin SSO Co', domains: [domain], plan: 'paid' });
    tenantId = tenant.id;
    // SAML active with the dev IdP: metadata URL, a passed Test SAML round trip, Update.
    const configuration = new SamlConfiguration({ tenants: store.tenants, ephemeral: store.ephemeral, activity: store.activity, clock: systemClock, apiBaseUrl: twin.apiUrl, metadata: idpMetadataSource({ mode: 'local' }) });
    await configuration.setMetadata(tenantId, { url: `${twin.apiUrl}/_dev-idp/metadata` });
    const setup = await browser.newPage();
    await setup.goto((await configuration.startTest(tenantId)).testUrl);
    await signInAtDevIdp(setup, `tester@${domain}`);
    await setup.getByRole('heading', { name: 'Test SAML passed' }).waitFor();
    await setup.close();
    await configuration.activate(tenantId);
    await newUser(`boss@${domain}`, true);
    await newUser(`staff@${domain}`, false);
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await twin?.stop();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it('lands an admin signed in on the console SSO page (across origins: API port → admin port)', async () => {
    expect(new URL(twin.apiUrl).origin).not.toBe(new URL(twin.adminUrl).origin);
    const context = await browser.newContext();
    const page = await ssoFromConsole(context, `boss@${domain}`);
    // The hand-over lands on the same Continue page as an operator's link: only its POST signs in.
    await page.waitForURL(`${twin.adminUrl}/login?token=*`, { timeout: 20_000 });
    expect(await page.locator('[data-field=email]').textContent()).toBe(`boss@${domain}`);
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.waitForURL(`${twin.adminUrl}/sso`, { timeout: 20_000 });
    await page.waitForSelector('html[data-ready="true"]');
    expect(await page.inputValue('#tenant-id')).toBe(tenantId);
    expect(await page.textContent('body')).toContain(`boss@${domain}`);
    await page.screenshot({ path: join(SCREENSHOTS, 'console-sso-sign-in.png'), fullPage: true });
    // The session is real: another console page opens without signing in again.
    await page.goto(`${twin.adminUrl}/activity`);
    expect(new URL(page.url()).pathname).toBe('/activity');
    await context.close();
  });

  it('refuses a user who is not an admin with a clear page and no console session', async () => {
    const context = await browser.newContext();
    const page = await ssoFromConsole(context, `staff@${domain}`);
    await page.getByRole('heading', { name: 'Not an administrator' }).waitFor({ timeout: 20_000 });
    expect(new URL(page.url()).origin).toBe(new URL(twin.apiUrl).origin);
    const text = (await page.textContent('main')) ?? '';
    expect(text).toContain('not an administrator');
    expect(await page.getByRole('link', { name: 'Back to the admin console sign-in' }).getAttribute('href')).toBe(`${twin.adminUrl}/login`);
    await page.screenshot({ path: join(SCREENSHOTS, 'console-sso-not-admin.png'), fullPage: true });
    await page.goto(`${twin.adminUrl}/sso`);
    expect(new URL(page.url()).pathname).toBe('/login');
    await context.close();
  });
});
