import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sha256Hex } from '../../lambdas/core/digest';
import { API, createSamlWorld, httpEvent, sessionCookieOf, SESSION, type SamlWorld } from './support/harness';

/** Issue 11: POST /logout signs out only when it comes from our own pages (same origin, or the form's token). */
describe('logout CSRF on the SAML surface', () => {
  let world: SamlWorld;
  let tenant: Awaited<ReturnType<SamlWorld['tenant']>>;
  beforeAll(async () => {
    world = await createSamlWorld();
    tenant = await world.tenant({ allowIdpInitiated: true });
  });
  afterAll(async () => world.drop());

  const signedIn = async (): Promise<string> => {
    const email = `lo${Math.random().toString(36).slice(2, 8)}@${tenant.domains[0]}`;
    return sessionCookieOf(await world.postAcs(tenant.id, await world.idp.response({ acsUrl: tenant.urls.acsUrl, audience: tenant.urls.spEntityId, nameId: email, attributes: { email } })))!;
  };
  const logout = (cookie: string, headers: Record<string, string>, form: Record<string, string> = {}) =>
    world.handleRaw(httpEvent('POST', '/logout', { cookies: [`${SESSION}=${cookie}`], headers, form }));

  it('refuses a cross-site POST (or one with no evidence and no token): the session and the cookie stay', async () => {
    const cookie = await signedIn();
    const attempts: Record<string, string>[] = [{ origin: 'https://evil.example', 'sec-fetch-site': 'cross-site' }, { origin: 'null', 'sec-fetch-site': 'cross-site' }, { 'sec-fetch-site': 'same-site' }, {}];
    // A guess, and one as long as a real token in characters but not in bytes (it used to make the comparison throw: a 500).
    for (const [headers, token] of attempts.flatMap((each) => [[each, 'guessed'], [each, 'é' + 'a'.repeat(63)]] as const)) {
      const result = await logout(cookie, headers, { token });
      expect(result.statusCode, JSON.stringify(headers)).toBe(403);
      expect(result.cookies ?? []).toEqual([]);
      expect(result.body).toContain('Not signed out');
    }
    expect(await world.store.sessions.get(sha256Hex(cookie))).toBeDefined();
    expect((await world.handleRaw(httpEvent('GET', '/dashboard', { cookies: [`${SESSION}=${cookie}`] }))).statusCode).toBe(200);
  });

  it('signs out from our own origin (Origin, or Origin: null under no-referrer with Sec-Fetch-Site same-origin)', async () => {
    const ours: Record<string, string>[] = [{ origin: API }, { origin: 'null', 'sec-fetch-site': 'same-origin' }];
    for (const headers of ours) {
      const cookie = await signedIn();
      const result = await logout(cookie, headers);
      expect(result.statusCode).toBe(200);
      expect(result.cookies?.[0]).toMatch(/Max-Age=0/);
      expect(await world.store.sessions.get(sha256Hex(cookie))).toBeUndefined();
    }
  });

  it('signs out with the dashboard form’s token when the browser sends neither header', async () => {
    const cookie = await signedIn();
    const dashboard = await world.handleRaw(httpEvent('GET', '/dashboard', { cookies: [`${SESSION}=${cookie}`] }));
    const token = /name="token" value="([0-9a-f]{64})"/.exec(dashboard.body!)![1]!;
    const other = await signedIn();
    expect((await logout(other, {}, { token })).statusCode, 'a token is bound to its own session').toBe(403);
    expect((await logout(cookie, {}, { token })).statusCode).toBe(200);
    expect(await world.store.sessions.get(sha256Hex(cookie))).toBeUndefined();
  });
});
