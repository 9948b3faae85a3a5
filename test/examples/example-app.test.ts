/**
 * The example app (examples/app) against a real OpenID Provider (oidc-provider, in this process): the
 * sign-in round trip a browser makes, the claims page, both logouts, the refusals of bad logout tokens and
 * the events webhook. The same app against the twin's own provider, in Chromium: test/e2e/example-app.test.ts.
 */
import { createServer, type Server } from 'node:http';
import { exportJWK, generateKeyPair, importJWK, SignJWT, UnsecuredJWT, type JWK } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createExampleApp, type ExampleApp } from '../../examples/app/app';
import { listenOnFreePort, startTestProvider, TEST_ACCOUNT_CLAIMS, type TestProvider } from './oidc-test-provider';

const WEBHOOK_KEY = 'example-webhook-key-for-tests';
const LOGOUT_EVENT = { 'http://schemas.openid.net/event/backchannel-logout': {} };

let appServer: Server;
let appUrl: string;
let app: ExampleApp;
let provider: TestProvider;
const logLines: string[] = [];

beforeAll(async () => {
  // The app's URL (its port) goes into the provider's client registration, so the server listens before the app exists.
  appServer = createServer((request, response) => void app.handle(request, response));
  appUrl = `http://127.0.0.1:${await listenOnFreePort(appServer)}`;
  provider = await startTestProvider(appUrl);
  app = createExampleApp(
    { issuer: provider.issuer, clientId: provider.clientId, clientSecret: provider.clientSecret, appUrl, port: 0, eventsWebhookKey: WEBHOOK_KEY, scope: 'openid email profile' },
    (line) => logLines.push(line),
  );
});

afterAll(async () => {
  appServer?.closeAllConnections();
  await new Promise((resolve) => appServer?.close(resolve));
  await provider?.close();
});

/** A browser without JavaScript: one cookie jar for 127.0.0.1 (cookies ignore ports), redirects followed by hand. */
class Visitor {
  readonly cookies = new Map<string, string>();
  readonly visited: string[] = [];

  async request(url: string, init: RequestInit = {}): Promise<Response> {
    const cookie = [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; ');
    const response = await fetch(url, { ...init, redirect: 'manual', headers: { ...(init.headers as Record<string, string>), ...(cookie ? { cookie } : {}) } });
    for (const line of response.headers.getSetCookie()) {
      const [pair = '', ...attributes] = line.split(';');
      const name = pair.slice(0, pair.indexOf('='));
      const expired = attributes.some((attribute) => /^\s*max-age=0\s*$/i.test(attribute) || /^\s*expires=Thu, 01 Jan 1970/i.test(attribute));
      if (expired) this.cookies.delete(name);
      else this.cookies.set(name, pair.slice(pair.indexOf('=') + 1));
    }
    return response;
  }

  /** Follows redirects; returns the last response with its URL and body. */
  async go(url: string, init: RequestInit = {}): Promise<{ url: string; status: number; body: string }> {
    let current = url;
    let response = await this.request(current, init);
    this.visited.push(current);
    while (response.status >= 300 && response.status < 400) {
      current = new URL(response.headers.get('location')!, current).href;
      this.visited.push(current);
      response = await this.request(current);
    }
    return { url: current, status: response.status, body: await response.text() };
  }

  postForm(url: string, fields: Record<string, string>) {
    return this.go(url, { method: 'POST', body: new URLSearchParams(fields), headers: { 'content-type': 'application/x-www-form-urlencoded' } });
  }

  /** Answers the provider's login and consent pages (its dev interactions) until the browser is back at the app. */
  async signIn(startUrl: string, accountId = 'user-ada') {
    let page = await this.go(startUrl);
    for (let step = 0; step < 4 && new URL(page.url).pathname.startsWith('/interaction/'); step += 1) {
      const prompt = /name="prompt" value="(\w+)"/.exec(page.body)?.[1];
      const fields: Record<string, string> = prompt === 'login' ? { prompt, login: accountId, password: 'any' } : { prompt: prompt ?? 'consent' };
      page = await this.postForm(page.url, fields);
    }
    return page;
  }
}

/** The natoma-sso session id of the latest sign-in, as the app stored it from the ID token. */
const signedInSid = (): string => app.sessions.signedInUsers().at(-1)!.sid!;

async function logoutToken(claims: Record<string, unknown>, key: JWK = provider.signingKey, alg = 'RS256'): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  const payload = { iss: provider.issuer, aud: provider.clientId, iat: now, exp: now + 120, jti: crypto.randomUUID(), events: LOGOUT_EVENT, ...claims };
  return new SignJWT(payload).setProtectedHeader({ alg, kid: key.kid, typ: 'logout+jwt' }).sign(await importJWK(key, alg));
}

const postLogoutToken = (token: string) =>
  fetch(`${appUrl}/backchannel-logout`, { method: 'POST', body: new URLSearchParams({ logout_token: token }) });

describe('sign-in through an OpenID Provider', () => {
  it('sends an authorization code request with PKCE S256, state, nonce and the login hint, and shows the claims', async () => {
    const browser = new Visitor();
    const page = await browser.signIn(`${appUrl}/login?login_hint=${encodeURIComponent('ada@acme.test')}`);

    const authorize = new URL(browser.visited.find((url) => url.startsWith(`${provider.issuer}/auth?`))!);
    expect(authorize.searchParams.get('response_type')).toBe('code');
    expect(authorize.searchParams.get('code_challenge_method')).toBe('S256');
    expect(authorize.searchParams.get('code_challenge')).toMatch(/^[\w-]{43}$/);
    expect(authorize.searchParams.get('state')).toBeTruthy();
    expect(authorize.searchParams.get('nonce')).toBeTruthy();
    expect(authorize.searchParams.get('login_hint')).toBe('ada@acme.test');
    expect(authorize.searchParams.get('redirect_uri')).toBe(`${appUrl}/callback`);

    expect(page.url).toBe(`${appUrl}/me`);
    expect(page.status).toBe(200);
    expect(page.body).toContain(TEST_ACCOUNT_CLAIMS.tenant_id);
    expect(page.body).toContain('ada@acme.test');
    expect(page.body).toContain('Ada Lovelace');
    expect(page.body).toContain('<li><code>engineering</code></li>');
    // Claims are escaped: a group name can't inject markup.
    expect(page.body).toContain('admins &#60;script&#62;');
    expect(page.body).not.toContain('admins <script>');
    expect(page.body).toContain('user-ada');
    expect(signedInSid()).toBeTruthy();
    expect(page.body).toContain(signedInSid());

    const cookie = browser.cookies.get('example_app_session');
    expect(cookie).toBeTruthy();
  });

  it('sets its session cookie HttpOnly and SameSite=Lax', async () => {
    const response = await fetch(`${appUrl}/login`, { redirect: 'manual' });
    expect(response.status).toBe(302);
    expect(response.headers.getSetCookie()[0]).toMatch(/^example_app_session=[\w-]+; Path=\/; HttpOnly; SameSite=Lax/);
  });

  it('refuses a callback it did not start, and one whose state does not match', async () => {
    expect((await fetch(`${appUrl}/callback?code=abc&state=xyz`)).status).toBe(400);
    const browser = new Visitor();
    await browser.request(`${appUrl}/login`);
    const page = await browser.go(`${appUrl}/callback?code=abc&state=not-the-state`);
    expect(page.status).toBe(400);
    expect(page.body).toContain('did not validate');
  });

  it('third-party-initiated login: trusts only its issuer and lands on a target on the app itself', async () => {
    const wrongIssuer = await fetch(`${appUrl}/initiate-login?iss=${encodeURIComponent('https://evil.example')}`, { redirect: 'manual' });
    expect(wrongIssuer.status).toBe(400);
    expect(wrongIssuer.headers.get('location')).toBeNull();

    const ownTarget = await new Visitor().signIn(`${appUrl}/initiate-login?iss=${encodeURIComponent(provider.issuer)}&target_link_uri=${encodeURIComponent(`${appUrl}/received`)}&login_hint=ada%40acme.test`);
    expect(ownTarget.url).toBe(`${appUrl}/received`);

    const foreignTarget = await new Visitor().signIn(`${appUrl}/initiate-login?iss=${encodeURIComponent(provider.issuer)}&target_link_uri=${encodeURIComponent('https://evil.example/steal')}`);
    expect(foreignTarget.url).toBe(`${appUrl}/me`);
  });
});

describe('logout', () => {
  it("RP-initiated: ends the app's session, then sends the browser to the provider's end_session_endpoint and back", async () => {
    const browser = new Visitor();
    await browser.signIn(`${appUrl}/login`);
    const response = await browser.request(`${appUrl}/logout`, { method: 'POST' });
    expect(response.status).toBe(302);
    const endSession = new URL(response.headers.get('location')!);
    expect(endSession.origin + endSession.pathname).toBe(`${provider.issuer}/session/end`);
    expect(endSession.searchParams.get('post_logout_redirect_uri')).toBe(`${appUrl}/`);
    expect(endSession.searchParams.get('id_token_hint')).toBeTruthy();
    expect(browser.cookies.has('example_app_session')).toBe(false);

    const confirm = await browser.go(endSession.href);
    const xsrf = /name="xsrf" value="([^"]+)"/.exec(confirm.body)![1]!;
    const back = await browser.postForm(`${provider.issuer}/session/end/confirm`, { xsrf, logout: 'yes' });
    expect(back.url).toBe(`${appUrl}/`);
    expect(back.body).toContain('Sign in with SSO');
  });

  it("back-channel: the provider's logout token ends the app's session for that sid", async () => {
    const browser = new Visitor();
    await browser.signIn(`${appUrl}/login`);
    const sid = signedInSid();
    expect((await browser.go(`${appUrl}/me`)).url).toBe(`${appUrl}/me`);

    // The user signs out at the provider itself (as natoma-sso's own logout or a SCIM deactivation would).
    const confirm = await browser.go(`${provider.issuer}/session/end`);
    const xsrf = /name="xsrf" value="([^"]+)"/.exec(confirm.body)![1]!;
    await browser.postForm(`${provider.issuer}/session/end/confirm`, { xsrf, logout: 'yes' });

    expect(app.logouts[0], logLines.join('\n')).toMatchObject({ sid, sub: 'user-ada', sessionsEnded: 1 });
    const after = await browser.go(`${appUrl}/me`);
    expect(after.url).toBe(`${appUrl}/`);
    expect(after.body).toContain('Sign in with SSO');
    const received = await browser.go(`${appUrl}/received`);
    expect(received.body).toContain(sid);
  });

  it('refuses forged, unsigned, misaddressed and malformed logout tokens with 400, and keeps the session', async () => {
    const browser = new Visitor();
    await browser.signIn(`${appUrl}/login`);
    const sid = signedInSid();
    const { privateKey } = await generateKeyPair('RS256', { extractable: true });
    const forgedKey: JWK = { ...(await exportJWK(privateKey)), kid: provider.signingKey.kid };
    const unsigned = new UnsecuredJWT({ events: LOGOUT_EVENT, sid, jti: 'j1' }).setIssuer(provider.issuer).setAudience(provider.clientId).setIssuedAt().setExpirationTime('2m').encode();
    const hmac = await new SignJWT({ events: LOGOUT_EVENT, sid })
      .setProtectedHeader({ alg: 'HS256' })
      .setIssuer(provider.issuer)
      .setAudience(provider.clientId)
      .setIssuedAt()
      .setExpirationTime('2m')
      .setJti('j2')
      .sign(new TextEncoder().encode(provider.clientSecret));

    const refused: Record<string, string> = {
      'signed with another key': await logoutToken({ sid }, forgedKey),
      unsigned,
      'HMAC with the client secret': hmac,
      'another audience': await logoutToken({ sid, aud: 'another-app' }),
      'another issuer': await logoutToken({ sid, iss: 'https://evil.example' }),
      'an ID token (nonce)': await logoutToken({ sid, nonce: 'n' }),
      'no logout event': await logoutToken({ sid, events: { 'https://example.com/other': {} } }),
      'neither sub nor sid': await logoutToken({}),
      expired: await logoutToken({ sid, exp: Math.floor(Date.now() / 1000) - 3600 }),
      'not a JWT': 'not-a-jwt',
    };
    for (const [what, token] of Object.entries(refused)) {
      const response = await postLogoutToken(token);
      expect(response.status, what).toBe(400);
      expect(((await response.json()) as { error: string }).error, what).toBe('invalid_request');
    }
    expect((await fetch(`${appUrl}/backchannel-logout`, { method: 'POST', body: new URLSearchParams() })).status).toBe(400);
    expect((await browser.go(`${appUrl}/me`)).url).toBe(`${appUrl}/me`);

    // A valid one ends the session; a retry of the same token is answered 200 and changes nothing.
    const valid = await logoutToken({ sid, sub: 'user-ada' });
    const logoutsBefore = app.logouts.length;
    expect((await postLogoutToken(valid)).status).toBe(200);
    expect((await postLogoutToken(valid)).status).toBe(200);
    expect(app.logouts.length).toBe(logoutsBefore + 1);
    expect(app.logouts[0]).toMatchObject({ sid, sessionsEnded: 1 });
    expect((await browser.go(`${appUrl}/me`)).url).toBe(`${appUrl}/`);
  });
});

describe('directory events webhook', () => {
  const event = (id: string, type = 'user.created') => ({
    id,
    schemaVersion: 1,
    type,
    tenantId: TEST_ACCOUNT_CLAIMS.tenant_id,
    occurredAt: new Date().toISOString(),
    resource: { type: 'user', id: 'usr_1', version: 1 },
    actor: 'scim-token:tok_1',
    data: { email: 'new.user@acme.test' },
  });
  const post = (body: unknown, key?: string) =>
    fetch(`${appUrl}/events`, { method: 'POST', body: typeof body === 'string' ? body : JSON.stringify(body), headers: { 'content-type': 'application/json', ...(key === undefined ? {} : { 'x-api-key': key }) } });

  it('refuses a missing or wrong x-api-key and stores nothing', async () => {
    const before = app.events.list().length;
    expect((await post(event('evt_refused'))).status).toBe(401);
    expect((await post(event('evt_refused'), 'wrong-key')).status).toBe(401);
    expect((await post(event('evt_refused'), `${WEBHOOK_KEY}x`)).status).toBe(401);
    expect(app.events.list().length).toBe(before);
  });

  it('stores each event once: a redelivery with the same id is a duplicate', async () => {
    const first = await post(event('evt_1'), WEBHOOK_KEY);
    expect(first.status).toBe(200);
    expect(await first.json()).toEqual({ accepted: 1, duplicates: 0 });
    const again = await post([event('evt_1'), event('evt_2', 'group.created')], WEBHOOK_KEY);
    expect(await again.json()).toEqual({ accepted: 1, duplicates: 1 });
    // As an EventBridge API destination sends it: the event in `detail`.
    const envelope = await post({ version: '0', id: 'eb-1', 'detail-type': 'user.updated', source: 'natoma-sso', detail: event('evt_3', 'user.updated') }, WEBHOOK_KEY);
    expect(await envelope.json()).toEqual({ accepted: 1, duplicates: 0 });

    expect(app.events.list().map((received) => received.id)).toEqual(['evt_3', 'evt_2', 'evt_1']);
    const page = await (await fetch(`${appUrl}/received`)).text();
    expect(page).toContain('group.created');
    expect(page).toContain('new.user@acme.test');
  });

  it('answers 400 to a body that is not an event', async () => {
    expect((await post('{not json', WEBHOOK_KEY)).status).toBe(400);
    expect((await post({ hello: 'world' }, WEBHOOK_KEY)).status).toBe(400);
  });
});
