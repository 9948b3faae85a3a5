import { QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { createRemoteJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDocumentClient } from '../../lambdas/adapters/dynamodb/client';
import { keys } from '../../lambdas/adapters/dynamodb/keys';
import { OUTBOX_PREFIX } from '../../lambdas/adapters/dynamodb/outbox';
import { sha256Hex } from '../../lambdas/core/digest';
import { oidcSid } from '../../lambdas/core/sessions/sid';
import { Browserless } from '../../local/browserless';
import { DEMO } from '../../local/demo';
import { authorize, authorizeUrl, exchangeCode, pkcePair, sessionCookieOf, startOidcWorld, type OidcWorld } from './support';

/** Issue 9 §1: the authorization code flow with PKCE through the twin's real SAML sign-in (dev IdP), and every refusal. */
describe('OIDC code flow on the twin', () => {
  let world: OidcWorld;
  let app: Awaited<ReturnType<OidcWorld['registerApp']>>;
  let scimUserId: string;
  const browser = new Browserless();
  const api = () => world.twin.apiUrl;
  const scim = (path: string, init: { method?: string; body?: unknown } = {}) =>
    fetch(`${world.demo.scimBaseUrl}${path}`, { method: init.method ?? 'GET', headers: { authorization: `Bearer ${world.demo.scimToken}`, 'content-type': 'application/scim+json' }, ...(init.body ? { body: JSON.stringify(init.body) } : {}) });
  const userinfo = (token: unknown) => fetch(`${api()}/oidc/me`, { headers: { authorization: `Bearer ${String(token)}` } });

  beforeAll(async () => {
    world = await startOidcWorld();
    app = await world.registerApp();
    const found = (await (await scim(`/Users?filter=${encodeURIComponent(`userName eq "${DEMO.user.email}"`)}`)).json()) as { Resources: { id: string }[] };
    scimUserId = found.Resources[0]!.id;
    const group = await scim('/Groups', { method: 'POST', body: { schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'], displayName: 'Engineering', members: [{ value: scimUserId }] } });
    expect(group.status).toBe(201);
  }, 120_000);
  afterAll(async () => world?.stop());

  it('publishes discovery and a JWKS of public RS256 keys under the issuer', async () => {
    const discovery = (await (await fetch(`${api()}/.well-known/openid-configuration`)).json()) as Record<string, unknown>;
    expect(discovery).toMatchObject({
      issuer: api(),
      authorization_endpoint: `${api()}/oidc/auth`,
      token_endpoint: `${api()}/oidc/token`,
      jwks_uri: `${api()}/oidc/jwks`,
      userinfo_endpoint: `${api()}/oidc/me`,
      end_session_endpoint: `${api()}/oidc/session/end`,
      response_types_supported: ['code'],
      code_challenge_methods_supported: ['S256'],
      token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post'],
      id_token_signing_alg_values_supported: ['RS256'],
      backchannel_logout_supported: true,
      backchannel_logout_session_supported: true,
    });
    const jwks = (await (await fetch(`${api()}/oidc/jwks`)).json()) as { keys: Record<string, unknown>[] };
    expect(jwks.keys.length).toBeGreaterThanOrEqual(1);
    for (const key of jwks.keys) {
      expect(key).toMatchObject({ kty: 'RSA', alg: 'RS256', use: 'sig' });
      expect(key.d).toBeUndefined();
    }
  });

  it('names only the issuer in discovery and redirects, whatever X-Forwarded-Host a client sends', async () => {
    const spoofed = { 'x-forwarded-host': 'evil.example', 'x-forwarded-proto': 'https' };
    const discovery = (await (await fetch(`${api()}/.well-known/openid-configuration`, { headers: spoofed })).json()) as Record<string, unknown>;
    for (const name of ['authorization_endpoint', 'token_endpoint', 'jwks_uri', 'userinfo_endpoint', 'end_session_endpoint']) expect(String(discovery[name])).toMatch(new RegExp(`^${api()}/oidc/`));
    const { challenge } = pkcePair();
    const started = await fetch(authorizeUrl(api(), { client_id: app.clientId, redirect_uri: app.redirectUri, state: 's', nonce: 'n', code_challenge: challenge, code_challenge_method: 'S256' }), { headers: spoofed, redirect: 'manual' });
    await started.body?.cancel();
    expect(started.status).toBe(303);
    expect(started.headers.get('location')).not.toContain('evil.example');
  });

  it('signs a user in through the SAML IdP and issues a verifiable ID token with every claim, and an access token for userinfo', async () => {
    const run = await authorize(world, browser, app, { login_hint: DEMO.user.email });
    expect(run.idpVisited).toBe(true);
    expect(run.landing.kind === 'rp' && run.landing.url.searchParams.get('state')).toBe(run.state);
    const tokens = await exchangeCode(api(), { ...app, code: run.code!, verifier: run.verifier });
    expect(tokens.status).toBe(200);
    const { payload, protectedHeader } = await jwtVerify(String(tokens.body.id_token), createRemoteJWKSet(new URL(`${api()}/oidc/jwks`)), { issuer: api(), audience: app.clientId });
    expect(protectedHeader.alg).toBe('RS256');
    const cookie = sessionCookieOf(browser, api())!;
    expect(payload).toMatchObject({
      sub: `${world.demo.tenantId}.${scimUserId}`,
      nonce: run.nonce,
      email: DEMO.user.email,
      email_verified: true,
      name: 'Dev User',
      given_name: 'Dev',
      family_name: 'User',
      tenant_id: world.demo.tenantId,
      groups: ['Engineering'],
      sid: oidcSid(sha256Hex(cookie)),
    });
    expect(payload.groups_truncated).toBeUndefined();
    for (const claim of ['exp', 'iat', 'auth_time']) expect(typeof payload[claim]).toBe('number');
    const info = await userinfo(tokens.body.access_token);
    expect(info.status).toBe(200);
    expect(await info.json()).toMatchObject({ sub: payload.sub, email: DEMO.user.email, tenant_id: world.demo.tenantId, groups: ['Engineering'] });
  });

  it('gives a code at once, without the IdP, to a browser that has a session; client_secret_post works too', async () => {
    const run = await authorize(world, browser, app);
    expect(run.idpVisited).toBe(false);
    expect(run.code).toBeTruthy();
    const tokens = await exchangeCode(api(), { ...app, code: run.code!, verifier: run.verifier, auth: 'post' });
    expect(tokens.status).toBe(200);
  });

  it('answers the form_post response mode with a page whose CSP lets only its own script post to the redirect URI', async () => {
    const { challenge } = pkcePair();
    const response = await browser.request(authorizeUrl(api(), { client_id: app.clientId, redirect_uri: app.redirectUri, code_challenge: challenge, code_challenge_method: 'S256', state: 's', response_mode: 'form_post' }));
    expect(response.status).toBe(200);
    const csp = response.headers.get('content-security-policy')!;
    expect(csp).toContain(`form-action 'self' ${world.rpUrl}`);
    expect(csp).toMatch(/script-src 'sha256-[A-Za-z0-9+/=]+'/);
    expect(await response.text()).toContain(`action="${app.redirectUri}"`);
  });

  it('asks the IdP again for prompt=login and an exceeded max_age, even with a session', async () => {
    const forced = await authorize(world, browser, app, { prompt: 'login', login_hint: DEMO.user.email });
    expect(forced.idpVisited).toBe(true);
    expect(forced.code).toBeTruthy();
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    const aged = await authorize(world, browser, app, { max_age: '0', login_hint: DEMO.user.email });
    expect(aged.idpVisited).toBe(true);
    expect(aged.code).toBeTruthy();
    expect((await authorize(world, browser, app)).idpVisited).toBe(false);
  });

  it('asks the IdP for prompt=login right after a sign-in, within the same second too', async () => {
    const other = new Browserless();
    expect((await authorize(world, other, app, { login_hint: DEMO.user.email })).idpVisited).toBe(true);
    const forced = await authorize(world, other, app, { prompt: 'login', login_hint: DEMO.user.email });
    expect(forced.idpVisited).toBe(true);
    expect(forced.code).toBeTruthy();
  });

  it('refuses an unregistered redirect_uri with a page of its own, redirecting nowhere', async () => {
    const { challenge } = pkcePair();
    const response = await fetch(authorizeUrl(api(), { client_id: app.clientId, redirect_uri: 'https://evil.example/cb', code_challenge: challenge, code_challenge_method: 'S256', state: 's' }), { redirect: 'manual' });
    expect(response.status).toBe(400);
    expect(response.headers.get('location')).toBeNull();
    expect(response.headers.get('content-type')).toMatch(/text\/html/);
    expect(await response.text()).not.toContain('evil.example');
  });

  it('refuses an authorize request without PKCE back to the registered redirect URI only', async () => {
    const response = await fetch(authorizeUrl(api(), { client_id: app.clientId, redirect_uri: app.redirectUri, state: 's' }), { redirect: 'manual' });
    const location = new URL(response.headers.get('location')!);
    expect(location.href.startsWith(app.redirectUri)).toBe(true);
    expect(location.searchParams.get('error')).toBe('invalid_request');
  });

  it('refuses a wrong client secret, a PKCE mismatch, an expired code and a code of another client', async () => {
    const wrongSecret = await authorize(world, browser, app);
    expect(await exchangeCode(api(), { ...app, clientSecret: 'not-the-secret', code: wrongSecret.code!, verifier: wrongSecret.verifier })).toMatchObject({ status: 401, body: { error: 'invalid_client' } });

    const mismatch = await authorize(world, browser, app);
    expect(await exchangeCode(api(), { ...app, code: mismatch.code!, verifier: pkcePair().verifier })).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });

    const expired = await authorize(world, browser, app);
    const db = createDocumentClient({ endpoint: world.twin.dynamoEndpoint });
    await db.send(new UpdateCommand({ TableName: world.twin.tableName, Key: keys.oidcModel('AuthorizationCode', sha256Hex(expired.code!)), UpdateExpression: 'SET expiresAt = :past', ConditionExpression: 'attribute_exists(pk)', ExpressionAttributeValues: { ':past': Math.floor(Date.now() / 1000) - 1 } }));
    expect(await exchangeCode(api(), { ...app, code: expired.code!, verifier: expired.verifier })).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });

    const other = await world.registerApp({ name: 'Other app' });
    const stolen = await authorize(world, browser, app);
    expect(await exchangeCode(api(), { ...other, code: stolen.code!, verifier: stolen.verifier })).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });
  });

  it('refuses a reused code and revokes the tokens issued from it', async () => {
    const run = await authorize(world, browser, app);
    const first = await exchangeCode(api(), { ...app, code: run.code!, verifier: run.verifier });
    expect(first.status).toBe(200);
    expect((await userinfo(first.body.access_token)).status).toBe(200);
    expect(await exchangeCode(api(), { ...app, code: run.code!, verifier: run.verifier })).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });
    expect((await userinfo(first.body.access_token)).status).toBe(401);

    // Two exchanges at once: the code is used twice all the same, so neither keeps a working token (RFC 6749
    // §4.1.2). One may get an answer before the other revokes the grant; its access token is refused after.
    for (let round = 0; round < 3; round++) {
      const raced = await authorize(world, browser, app);
      const both = await Promise.all([1, 2].map(() => exchangeCode(api(), { ...app, code: raced.code!, verifier: raced.verifier })));
      expect(both.every((answer) => answer.status === 200 || answer.status === 400)).toBe(true);
      expect(both.filter((answer) => answer.status === 200).length).toBeLessThanOrEqual(1);
      expect(both.some((answer) => answer.status === 400 && answer.body.error === 'invalid_grant')).toBe(true);
      for (const answer of both.filter((each) => each.status === 200)) expect((await userinfo(answer.body.access_token)).status).toBe(401);
    }
  });

  it('RP-initiated logout refuses an unregistered post-logout URI, then ends our session and returns only to a registered one', async () => {
    const run = await authorize(world, browser, app);
    const tokens = await exchangeCode(api(), { ...app, code: run.code!, verifier: run.verifier });
    const idToken = String(tokens.body.id_token);
    const refused = await browser.request(`${api()}/oidc/session/end?${new URLSearchParams({ id_token_hint: idToken, post_logout_redirect_uri: 'https://evil.example/bye' })}`);
    expect(refused.status).toBe(400);
    expect(refused.headers.get('location')).toBeNull();
    await refused.body?.cancel();

    const postLogout = `${world.rpUrl}/signed-out`;
    const confirm = await browser.request(`${api()}/oidc/session/end?${new URLSearchParams({ id_token_hint: idToken, post_logout_redirect_uri: postLogout, state: 'bye' })}`);
    expect(confirm.status).toBe(200);
    // The confirmation's form may redirect to the registered post-logout URI's origin, and nowhere else.
    expect(confirm.headers.get('content-security-policy')).toContain(`form-action 'self' ${new URL(postLogout).origin};`);
    const form = /<form id="op.logoutForm" method="post" action="([^"]+)"><input type="hidden" name="xsrf" value="([^"]+)"/.exec(await confirm.text())!;
    const cookie = sessionCookieOf(browser, api())!;
    const done = await browser.request(new URL(form[1]!, api()).href, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ xsrf: form[2]!, logout: 'yes' }).toString() });
    expect(done.status).toBeGreaterThanOrEqual(300);
    expect(done.headers.get('location')).toBe(`${postLogout}?state=bye`);
    expect(await world.store.sessions.get(sha256Hex(cookie))).toBeUndefined();
    // The session.ended event of an RP-initiated logout says so (docs/events.md, contract C1).
    const sid = oidcSid(sha256Hex(cookie));
    const outbox = await createDocumentClient({ endpoint: world.twin.dynamoEndpoint }).send(
      new QueryCommand({ TableName: world.twin.tableName, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': `${OUTBOX_PREFIX}${encodeURIComponent(world.demo.tenantId)}#session#${sid}` }, ConsistentRead: true }),
    );
    const ended = (outbox.Items ?? []).map((item) => JSON.parse(String(item.event)) as { type: string; data: { reason?: string } }).filter((event) => event.type === 'session.ended');
    expect(ended.map((event) => event.data.reason)).toEqual(['rp-logout']);
    const again = await authorize(world, new Browserless(), app, {}, DEMO.user.email);
    expect(again.idpVisited).toBe(true); // a fresh browser has no session; ours was ended, so the IdP is asked again
  });

  it('gives a user deactivated by SCIM no code', async () => {
    const signedIn = await authorize(world, browser, app, { login_hint: DEMO.user.email });
    expect(signedIn.code).toBeTruthy();
    const patched = await scim(`/Users/${scimUserId}`, { method: 'PATCH', body: { schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'], Operations: [{ op: 'replace', value: { active: false } }] } });
    expect(patched.status).toBe(200);
    const refused = await authorize(world, browser, app, { login_hint: DEMO.user.email });
    expect(refused.code).toBeUndefined();
    expect(refused.landing.kind).toBe('page');
  });

  it('signs ID tokens with the current key only, with our sid also for an app without a back-channel logout URI', async () => {
    const plain = await world.registerApp({ name: 'No back-channel', backchannelLogoutUri: undefined });
    const other = new Browserless();
    const run = await authorize(world, other, plain, { login_hint: 'someone.else@acme.test' }, 'someone.else@acme.test');
    const tokens = await exchangeCode(api(), { ...plain, code: run.code!, verifier: run.verifier });
    const jwks = (await (await fetch(`${api()}/oidc/jwks`)).json()) as { keys: { kid: string }[] };
    expect(decodeProtectedHeader(String(tokens.body.id_token)).kid).toBe(jwks.keys[0]!.kid);
    const { payload } = await jwtVerify(String(tokens.body.id_token), createRemoteJWKSet(new URL(`${api()}/oidc/jwks`)), { issuer: api(), audience: plain.clientId });
    expect(payload.sid).toBe(oidcSid(sha256Hex(sessionCookieOf(other, api())!)));
  });
});
