import { createHash, randomBytes } from 'node:crypto';
import { firstPostForm, type Browserless, type Visit } from '../../local/browserless';
import { DEMO } from '../../local/demo';

/**
 * Drives an OIDC login as a browser would, with no test runner in sight: the tests (support.ts) and the
 * bench (bench/oidc.ts) both use it.
 */

export const pkcePair = () => {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
};

export function authorizeUrl(apiUrl: string, params: Record<string, string>): string {
  return `${apiUrl}/oidc/auth?${new URLSearchParams({ response_type: 'code', scope: 'openid email profile groups', ...params }).toString()}`;
}

/** Where a run of the browser ended: at the RP (a redirect to it, not followed) or on a page of ours. */
export type Landing = { readonly kind: 'rp'; readonly url: URL; readonly idpVisited: boolean } | { readonly kind: 'page'; readonly visit: Visit; readonly idpVisited: boolean };

/**
 * Drives the browser from `url` as a person would: follows redirects and our "continue" pages, signs in at the
 * dev IdP as `email` when it asks, submits its auto-post form, and stops at the first redirect to `rpUrl`.
 */
export async function browse(browser: Browserless, url: string, rpUrl: string, email: string = DEMO.user.email): Promise<Landing> {
  let current = url;
  let init: { method?: string; headers?: Record<string, string>; body?: string } = {};
  let idpVisited = false;
  for (let hop = 0; hop < 20; hop++) {
    if (current.startsWith(rpUrl)) return { kind: 'rp', url: new URL(current), idpVisited };
    const response = await browser.request(current, init);
    init = {};
    const location = response.headers.get('location');
    if (response.status >= 300 && response.status < 400 && location) {
      await response.body?.cancel();
      current = new URL(location, current).href;
      continue;
    }
    const visit: Visit = { url: current, status: response.status, body: await response.text() };
    const next = /<a id="continue" href="([^"]+)"/.exec(visit.body)?.[1];
    if (next) {
      current = new URL(next.replace(/&amp;/g, '&'), current).href;
      continue;
    }
    if (visit.body.includes('action="/signin"') && visit.status === 200) {
      const result = await submitRaw(browser, visit, { email });
      current = result.url;
      init = result.init;
      continue;
    }
    if (current.includes('/_dev-idp/') && /<form\b/i.test(visit.body)) {
      idpVisited = true;
      const isSignIn = visit.body.includes('name="email"');
      const result = await submitRaw(browser, visit, isSignIn ? { email, firstName: 'Dev', lastName: 'User' } : {});
      current = result.url;
      init = result.init;
      continue;
    }
    return { kind: 'page', visit, idpVisited };
  }
  throw new Error(`too many hops from ${url}`);
}

async function submitRaw(_browser: Browserless, page: Visit, overrides: Record<string, string>) {
  const form = firstPostForm(page.body, page.url)!;
  for (const [name, value] of Object.entries(overrides)) if (form.fields.has(name)) form.fields.set(name, value);
  return { url: form.action, init: { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: form.fields.toString() } };
}

export async function exchangeCode(apiUrl: string, input: { clientId: string; clientSecret: string; code: string; redirectUri: string; verifier: string; auth?: 'basic' | 'post' }): Promise<{ status: number; body: Record<string, unknown> }> {
  const form = new URLSearchParams({ grant_type: 'authorization_code', code: input.code, redirect_uri: input.redirectUri, code_verifier: input.verifier });
  const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded' };
  if (input.auth === 'post') {
    form.set('client_id', input.clientId);
    form.set('client_secret', input.clientSecret);
  } else headers.authorization = `Basic ${Buffer.from(`${encodeURIComponent(input.clientId)}:${encodeURIComponent(input.clientSecret)}`).toString('base64')}`;
  const response = await fetch(`${apiUrl}/oidc/token`, { method: 'POST', headers, body: form.toString() });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

/** The natoma app session cookie the browser holds, if any. */
export function sessionCookieOf(browser: Browserless, apiUrl: string): string | undefined {
  const header = browser.cookieHeader(apiUrl) ?? '';
  const value = /(?:^|; )natoma_session=([^;]*)/.exec(header)?.[1];
  return value ? value : undefined;
}
