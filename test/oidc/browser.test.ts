import { mkdirSync } from 'node:fs';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { DEMO } from '../../local/demo';
import { launchChromium } from '../support/browser';
import { authorizeUrl, exchangeCode, pkcePair, startOidcWorld, type OidcWorld } from './support';

const SHOTS = 'test-results/oidc';

/**
 * The code flow in headless Chromium on the twin: the browser's own rules (CSP form-action on the IdP page's
 * POST and its redirects, SameSite cookies, the continue page's meta refresh) let the sign-in reach the app.
 */
let world: OidcWorld;
let browser: Browser;
beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
  [world, browser] = await Promise.all([startOidcWorld(), launchChromium()]);
}, 120_000);
afterAll(async () => {
  await browser?.close();
  await world?.stop();
});

it('signs in through the dev IdP and reaches the app with a code; a second authorize skips the IdP', async () => {
  const app = await world.registerApp();
  const page = await browser.newPage();
  const { verifier, challenge } = pkcePair();
  await page.goto(authorizeUrl(world.twin.apiUrl, { client_id: app.clientId, redirect_uri: app.redirectUri, state: 'st', nonce: 'nn', code_challenge: challenge, code_challenge_method: 'S256', login_hint: DEMO.user.email }));
  await page.waitForURL(/\/_dev-idp\/sso/);
  await page.getByLabel('Email').fill(DEMO.user.email);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL((url) => url.href.startsWith(`${app.redirectUri}?`), { timeout: 15_000 });
  const callback = new URL(page.url());
  expect(callback.searchParams.get('state')).toBe('st');
  expect((await exchangeCode(world.twin.apiUrl, { ...app, code: callback.searchParams.get('code')!, verifier })).status).toBe(200);
  await page.screenshot({ path: `${SHOTS}/code-at-the-app.png` });

  const again = pkcePair();
  const visited: string[] = [];
  page.on('framenavigated', (frame) => visited.push(frame.url()));
  await page.goto(authorizeUrl(world.twin.apiUrl, { client_id: app.clientId, redirect_uri: app.redirectUri, state: 'st2', code_challenge: again.challenge, code_challenge_method: 'S256' }));
  await page.waitForURL((url) => url.href.startsWith(`${app.redirectUri}?`));
  expect(visited.some((url) => url.includes('/_dev-idp/'))).toBe(false);
  expect(new URL(page.url()).searchParams.get('code')).toBeTruthy();
}, 60_000);
