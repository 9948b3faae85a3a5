import { mkdirSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { launchChromium } from '../support/browser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../lambdas/core/clock';
import { createTenant } from '../../lambdas/core/tenancy/tenant-admin';
import { startMiniTwin, type MiniTwin } from './support/mini-twin';

const SHOTS = 'test-results/saml';

describe('SAML in a real browser (headless Chromium) with the development IdP', () => {
  let twin: MiniTwin;
  let browser: Browser;
  let page: Page;
  let tenantId: string;
  beforeAll(async () => {
    browser = await launchChromium();
    mkdirSync(SHOTS, { recursive: true });
    twin = await startMiniTwin();
    page = await browser.newPage();
    const tenant = await createTenant({ tenants: twin.store.tenants, activity: twin.store.activity, clock: systemClock }, { name: 'Browser Co', domains: ['browser-co.example.com'], plan: 'paid' });
    tenantId = tenant.id;
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await twin?.stop();
  });

  /** Fills the dev IdP form and lets its page post the response to the ACS. */
  async function signInAtDevIdp(email: string, firstName: string, lastName: string, shot: string): Promise<void> {
    await page.waitForURL(/\/_dev-idp\/(sso|tile)/);
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('First name').fill(firstName);
    await page.getByLabel('Last name').fill(lastName);
    await page.screenshot({ path: `${SHOTS}/${shot}.png` });
    await page.getByRole('button', { name: 'Sign in' }).click();
  }

  it('imports the dev IdP metadata URL, passes Test SAML and activates with Update', async () => {
    await twin.configuration.setMetadata(tenantId as never, { url: twin.devIdp.metadataUrl });
    const { testUrl } = await twin.configuration.startTest(tenantId as never);
    await page.goto(testUrl);
    await signInAtDevIdp('admin@browser-co.example.com', 'Ada', 'Admin', 'test-saml-idp-form');
    await page.getByRole('heading', { name: 'Test SAML passed' }).waitFor();
    expect(await page.locator('table').textContent()).toContain('admin@browser-co.example.com');
    await page.screenshot({ path: `${SHOTS}/test-saml-passed.png` });
    expect((await twin.configuration.status(tenantId as never)).canActivate).toBe(true);
    await twin.configuration.activate(tenantId as never);
  });

  it('signs in SP-initiated by email and lands on the dashboard with the JIT-created user', async () => {
    await page.goto(`${twin.base}/signin`);
    await page.getByLabel('Work email').fill('grace@browser-co.example.com');
    await page.screenshot({ path: `${SHOTS}/signin.png` });
    await page.getByRole('button', { name: 'Sign in' }).click();
    await signInAtDevIdp('grace@browser-co.example.com', 'Grace', 'Hopper', 'sp-initiated-idp-form');
    await page.waitForURL(`${twin.base}/dashboard`);
    expect((await page.locator('[data-field=name]').textContent())?.trim()).toBe('Grace Hopper');
    expect((await page.locator('[data-field=email]').textContent())?.trim()).toBe('grace@browser-co.example.com');
    expect(await page.locator('[data-field=tenant]').textContent()).toContain('Browser Co');
    await page.screenshot({ path: `${SHOTS}/dashboard.png` });
    expect((await twin.store.users.findByUserName(tenantId as never, 'grace@browser-co.example.com'))?.source).toBe('jit');
  });

  it('ends the session on logout', async () => {
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('heading', { name: 'You are signed out' }).waitFor();
    await page.goto(`${twin.base}/dashboard`);
    await page.waitForURL(`${twin.base}/signin`);
  });

  it('signs in IdP-initiated from the dev IdP tile (unsolicited response)', async () => {
    await page.goto(`${twin.base}/_dev-idp/tile?tenant=${tenantId}`);
    await signInAtDevIdp('grace@browser-co.example.com', 'Grace', 'Hopper', 'tile-idp-form');
    await page.waitForURL(`${twin.base}/dashboard`);
    expect((await page.locator('[data-field=name]').textContent())?.trim()).toBe('Grace Hopper');
    await page.getByRole('button', { name: 'Sign out' }).click();
  });

  it('signs in through the Initiate login URI (third-party initiated login)', async () => {
    await page.goto(`${twin.base}/saml/${tenantId}/login?target_link_uri=${encodeURIComponent(`${twin.base}/dashboard`)}`);
    await signInAtDevIdp('grace@browser-co.example.com', 'Grace', 'Hopper', 'initiate-login-idp-form');
    await page.waitForURL(`${twin.base}/dashboard`);
    expect((await page.locator('[data-field=email]').textContent())?.trim()).toBe('grace@browser-co.example.com');
  });

  it('answers a forged response with a plain 4xx page', async () => {
    const response = await page.request.post(`${twin.base}/saml/${tenantId}/acs`, { form: { SAMLResponse: 'PHNhbWxwOlJlc3BvbnNlLz4=' } });
    expect(response.status()).toBeGreaterThanOrEqual(400);
    expect(response.status()).toBeLessThan(500);
  });
});
