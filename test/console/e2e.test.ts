import { randomUUID } from 'node:crypto';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { launchChromium } from '../support/browser';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startTwin, type RunningTwin } from '../../local/twin';
import { startApiSurfaces, type ApiSurfaces } from './api-surfaces';

const SCREENSHOTS = join(process.cwd(), 'test-results', 'screenshots');

describe('admin console in headless Chromium on the local twin', () => {
  let twin: RunningTwin;
  let surfaces: ApiSurfaces | undefined;
  /** Where SAML, SCIM and the dev IdP answer: the twin's API, or the stand-in while the twin does not serve them. */
  let apiUrl: string;
  let dataDir: string;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let tenantId: string;
  let scimToken = '';
  let scimUserName = '';

  const operator = async (method: string, path: string, body?: unknown) => {
    const response = await fetch(`${twin.adminUrl}${path}`, {
      method,
      headers: { 'x-natoma-operator-key': twin.operatorKey, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const json = (await response.json()) as Record<string, unknown>;
    if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${JSON.stringify(json)}`);
    return json;
  };
  const scim = (path: string, init: RequestInit = {}, token = scimToken) =>
    fetch(`${apiUrl}/scim/v2/${tenantId}${path}`, { ...init, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/scim+json', ...init.headers } });
  const shot = (name: string) => page.screenshot({ path: join(SCREENSHOTS, `console-${name}.png`), fullPage: true });
  const ready = async () => page.waitForSelector('html[data-ready="true"]');

  beforeAll(async () => {
    browser = await launchChromium();
    await mkdir(SCREENSHOTS, { recursive: true });
    dataDir = await mkdtemp(join(tmpdir(), 'natoma-console-e2e-'));
    const options = { dataDir, port: 0, adminPort: 0, dynamoEndpoint: inject('dynamoEndpoint'), tableName: `console-e2e-${randomUUID()}`, logLevel: 'error' as const, logSink: () => {} };
    twin = await startTwin(options);
    if (!twin.surfaces.saml || !twin.surfaces.scim || !twin.surfaces['dev-idp']) {
      await twin.stop();
      surfaces = await startApiSurfaces();
      twin = await startTwin({ ...options, publicUrl: surfaces.url });
      await surfaces.bind(twin);
    }
    apiUrl = surfaces?.url ?? twin.apiUrl;
    context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    page = await context.newPage();
    page.on('dialog', (dialog) => void dialog.accept());
    const tenant = await operator('POST', '/operator/tenants', { name: 'Acme Corp', domains: [`acme-${randomUUID().slice(0, 8)}.example`], plan: 'paid' });
    tenantId = tenant.tenantId as string;
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await twin?.stop();
    await surfaces?.stop();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it('signs the admin in with an operator link and shows the tenant ID, Entity ID and ACS URL', async () => {
    // Prepare
    const link = await operator('POST', `/operator/tenants/${tenantId}/console-links`, { email: 'it-admin@acme.example' });
    // Act
    await page.goto(link.url as string);
    // The link opens a page naming the tenant and the admin; only its Continue button signs in.
    expect(await page.locator('[data-field=email]').textContent()).toBe('it-admin@acme.example');
    await shot('sign-in-continue');
    await page.getByRole('button', { name: 'Continue' }).click();
    await ready();
    // Assess
    expect(new URL(page.url()).pathname).toBe('/sso');
    expect(await page.inputValue('#tenant-id')).toBe(tenantId);
    expect(await page.inputValue('#sp-entity-id')).toBe(`${apiUrl}/saml/${tenantId}/metadata`);
    expect(await page.inputValue('#acs-url')).toBe(`${apiUrl}/saml/${tenantId}/acs`);
    expect(await page.inputValue('#initiate-login-url')).toBe(`${apiUrl}/saml/${tenantId}/login`);
    expect(await page.isDisabled('#update-sso')).toBe(true);
    await shot('sso-empty');
    // The link was single use.
    const again = await context.newPage();
    const response = await again.goto(link.url as string);
    expect(response?.status()).toBe(400);
    await again.close();
  });

  it('imports the dev IdP metadata URL, passes Test SAML in a real round trip, and activates with Update', async () => {
    // Act: paste the metadata URL
    await page.fill('#metadata-url', `${apiUrl}/_dev-idp/metadata`);
    await Promise.all([page.waitForURL(/\/sso$/, { waitUntil: 'load' }), page.waitForEvent('load'), page.click('text=Save metadata')]);
    await ready();
    expect(await page.textContent('#main')).toContain('Draft configuration');
    // Act: Test SAML opens the real login in a new tab
    const [testTab] = await Promise.all([context.waitForEvent('page'), page.click('#test-saml')]);
    await testTab.waitForSelector('input[name="email"]');
    await testTab.fill('input[name="email"]', 'it-admin@acme.example');
    await Promise.all([testTab.waitForSelector('text=Test SAML passed', { timeout: 20_000 }), testTab.click('button[type="submit"]')]);
    await testTab.close();
    // Assess: the console noticed the result by itself
    await page.waitForSelector('#test-result', { timeout: 20_000 });
    expect(await page.textContent('#test-result')).toContain('Test passed');
    expect(await page.isDisabled('#update-sso')).toBe(false);
    await shot('sso-tested');
    await Promise.all([page.waitForEvent('load'), page.click('#update-sso')]);
    await ready();
    expect(await page.textContent('#main')).toContain('Your users sign in with this IdP');
    expect(await page.isDisabled('#update-sso')).toBe(true);
    await shot('sso-active');
  });

  it('turns SCIM on, shows a generated token once, and the token works until it is revoked', async () => {
    await page.goto(`${twin.adminUrl}/scim`);
    await ready();
    expect(await page.isChecked('#scim-toggle')).toBe(false);
    await Promise.all([page.waitForEvent('load'), page.click('#scim-toggle')]);
    await ready();
    expect(await page.isChecked('#scim-toggle')).toBe(true);
    expect(await page.inputValue('#scim-base-url')).toBe(`${apiUrl}/scim/v2/${tenantId}`);
    // Generate Token: shown once, with a warning
    await page.click('#generate-token');
    await page.waitForSelector('#token-panel:not([hidden])');
    scimToken = await page.inputValue('#new-token');
    expect(scimToken).toMatch(/^natoma_scim_/);
    expect(await page.textContent('#token-panel')).toContain('You will not be able to see this token again');
    await page.waitForFunction(() => document.querySelectorAll('#token-rows button').length === 1);
    await shot('scim-token');
    // The token works against the SCIM server
    expect((await scim('/Users?startIndex=1&count=1')).status).toBe(200);
    scimUserName = `jane.doe.${randomUUID().slice(0, 6)}@acme.example`;
    const created = await scim('/Users', { method: 'POST', body: JSON.stringify({ schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'], userName: scimUserName, name: { givenName: 'Jane', familyName: 'Doe' }, emails: [{ value: scimUserName, primary: true, type: 'work' }], active: true }) });
    expect(created.status).toBe(201);
    // Not visible again on reload
    await page.reload();
    await ready();
    expect(await page.isHidden('#token-panel')).toBe(true);
    expect(await page.content()).not.toContain(scimToken);
    await shot('scim');
  });

  it('lists the users SCIM created and shows the events on the activity page', async (ctx) => {
    if (!scimUserName) ctx.skip();
    await page.goto(`${twin.adminUrl}/users`);
    await ready();
    const row = page.locator('tbody tr', { hasText: scimUserName });
    await expect.poll(() => row.count()).toBe(1);
    expect(await row.textContent()).toContain('SCIM');
    expect(await row.textContent()).toContain('Jane Doe');
    await page.fill('#user-q', scimUserName);
    await Promise.all([page.waitForEvent('load'), page.click('form[role="search"] button[type="submit"]')]);
    expect(await page.locator('tbody tr').count()).toBe(1);
    await shot('users');
    await row.locator('a').click();
    await ready();
    expect(await page.textContent('#main')).toContain(scimUserName);
    await shot('user-detail');
    await page.goto(`${twin.adminUrl}/activity`);
    await ready();
    const text = (await page.textContent('#main')) ?? '';
    expect(text).toContain('scim.token.created');
    expect(text).toMatch(/user\.created|provisioning/);
    await shot('activity');
    await page.selectOption('#activity-category', 'sign-in');
    await Promise.all([page.waitForEvent('load'), page.click('text=Filter')]);
    expect(await page.textContent('#main')).toContain('console.login.succeeded');
  });

  it('revokes the token: it then gets 401', async (ctx) => {
    if (!scimToken) ctx.skip();
    await page.goto(`${twin.adminUrl}/scim`);
    await ready();
    await page.click('#token-rows button.danger');
    await page.waitForFunction(() => document.querySelectorAll('#token-rows button').length === 0);
    // The SCIM Lambda caches token hashes for up to 30 s (README): poll until the revocation lands.
    await expect.poll(async () => (await scim('/Users?count=1')).status, { timeout: 40_000, interval: 1_000 }).toBe(401);
  }, 60_000);

  it('labels every control and works from the keyboard', async () => {
    for (const path of ['/sso', '/scim', '/users', '/activity']) {
      await page.goto(`${twin.adminUrl}${path}`);
      await ready();
      const unlabeled = await page.evaluate(() =>
        Array.from(document.querySelectorAll('input:not([type=hidden]), select, textarea, button'))
          .filter((el) => {
            const control = el as HTMLInputElement;
            const name = control.getAttribute('aria-label') || (control.labels && Array.from(control.labels).map((l) => l.textContent).join('')) || (el.tagName === 'BUTTON' ? el.textContent : '');
            return !name || !name.trim();
          })
          .map((el) => el.outerHTML.slice(0, 80)),
      );
      expect(unlabeled, path).toEqual([]);
    }
    await page.goto(`${twin.adminUrl}/sso`);
    await ready();
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Skip to content');
    await page.focus('button[data-copy="tenant-id"]');
    await page.keyboard.press('Enter');
    await page.waitForFunction(() => document.querySelector('button[data-copy="tenant-id"]')?.textContent === 'Copied');
  });

  it('renders the plan, groups and sign-in pages', async () => {
    for (const name of ['plan', 'groups']) {
      await page.goto(`${twin.adminUrl}/${name}`);
      await ready();
      await shot(name);
    }
    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto(`${twin.adminUrl}/sso`);
    await ready();
    await shot('sso-mobile');
    await page.setViewportSize({ width: 1280, height: 900 });
    await Promise.all([page.waitForURL(/\/login/), page.click('text=Sign out')]);
    await shot('login');
    expect(await page.textContent('main')).toContain('You are signed out');
    await page.goto(`${twin.adminUrl}/sso`);
    expect(new URL(page.url()).pathname).toBe('/login');
  });
});
