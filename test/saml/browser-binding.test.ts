import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HttpResult } from '../../lambdas/http/request';
import { authnRequestOf, createSamlWorld, httpEvent, sessionCookieOf, type SamlWorld } from './support/harness';

/** Issue 11: an SP-initiated response is accepted only from the browser that started its login (login CSRF). */
describe('SP-initiated responses are bound to the browser that started them', () => {
  let world: SamlWorld;
  let tenant: Awaited<ReturnType<SamlWorld['tenant']>>;
  beforeAll(async () => {
    world = await createSamlWorld();
    tenant = await world.tenant({ allowIdpInitiated: true });
  });
  afterAll(async () => world.drop());

  const responseTo = (inResponseTo: string | undefined, email = `eve@${tenant.domains[0]}`) =>
    world.idp.response({ acsUrl: tenant.urls.acsUrl, audience: tenant.urls.spEntityId, inResponseTo, nameId: email, attributes: { email } });
  const postFrom = (cookies: string[] | undefined, samlResponse: string): Promise<HttpResult> =>
    world.handleRaw(httpEvent('POST', `/saml/${tenant.id}/acs`, { form: { SAMLResponse: samlResponse }, cookies }));
  const expectStartedElsewhere = (result: HttpResult) => {
    expect(result.statusCode).toBe(403);
    expect(sessionCookieOf(result)).toBeUndefined();
    expect(result.cookies ?? []).toEqual([]);
    expect(result.body).toContain('Sign-in started in another browser');
    expect(result.body).toContain(`href="/saml/${tenant.id}/login"`);
  };

  it('sets a random binding at login start: HttpOnly, Secure, SameSite=None, __Host- prefixed, for the request lifetime', async () => {
    const start = await world.handleRaw(httpEvent('POST', '/signin', { form: { email: `bo@${tenant.domains[0]}` } }));
    const line = start.cookies?.find((c) => c.startsWith('__Host-natoma_login='));
    expect(line).toMatch(/^__Host-natoma_login=[A-Za-z0-9_-]{43}; Max-Age=600; Path=\/; HttpOnly; Secure; SameSite=None$/);
    // Only the hash is stored with the request.
    const stored = await world.store.ephemeral.get(`saml-request:${authnRequestOf(start.headers!.location!).id}`);
    expect(stored).not.toContain(line!.split(';')[0]!.split('=')[1]);
    expect(JSON.parse(stored!).bindingHash).toMatch(/^[0-9a-f]{64}$/);
  });

  it('refuses the attacker’s response posted from the victim’s browser (no cookie, or its own binding) and spends it', async () => {
    const requestId = await world.startLogin(`eve@${tenant.domains[0]}`);
    const attackerBinding = world.bindingCookie()!;
    const response = await responseTo(requestId);
    expectStartedElsewhere(await postFrom(undefined, response));
    // The victim had started a login of their own: its binding is not the attacker's either.
    const victimStart = await world.handleRaw(httpEvent('GET', `/saml/${tenant.id}/login`));
    const victimBinding = victimStart.cookies!.find((c) => c.startsWith('__Host-natoma_login='))!.split(';')[0]!;
    expect(victimBinding).not.toBe(attackerBinding);
    const second = await responseTo(await world.startLogin(`eve@${tenant.domains[0]}`));
    expectStartedElsewhere(await postFrom([victimBinding], second));
    // The refused response was spent: not even the attacker's own browser can use it afterwards.
    const replay = await postFrom([attackerBinding], response);
    expect(replay.statusCode).toBe(400);
    expect(await world.store.users.findByUserName(tenant.id, `eve@${tenant.domains[0]}`)).toBeUndefined();
  });

  it('accepts the response in the browser that started the login, also with two logins open in two tabs', async () => {
    const first = await world.startLogin(`tab@${tenant.domains[0]}`);
    const second = await world.startLogin(`tab@${tenant.domains[0]}`);
    const binding = world.bindingCookie()!;
    for (const requestId of [first, second]) {
      const result = await postFrom([binding], await responseTo(requestId, `tab@${tenant.domains[0]}`));
      expect(result.statusCode, result.body?.slice(0, 300)).toBe(303);
      expect(sessionCookieOf(result)).toBeDefined();
    }
  });

  it('still accepts an unsolicited (IdP-initiated) response where the tenant allows it, from any browser', async () => {
    const result = await postFrom(undefined, await responseTo(undefined, `tile@${tenant.domains[0]}`));
    expect(result.statusCode).toBe(303);
  });

  it('refuses a Test SAML response posted from another browser', async () => {
    const draftTenant = await world.tenant({ activate: false });
    const { testUrl } = await world.configuration.startTest(draftTenant.id);
    const url = new URL(testUrl);
    const start = await world.handleRaw(httpEvent('GET', url.pathname, { query: Object.fromEntries(url.searchParams) }));
    const response = await world.idp.response({ acsUrl: draftTenant.urls.acsUrl, audience: draftTenant.urls.spEntityId, inResponseTo: authnRequestOf(start.headers!.location!).id, nameId: 'x@y.com' });
    const result = await world.handleRaw(httpEvent('POST', `/saml/${draftTenant.id}/acs`, { form: { SAMLResponse: response } }));
    expect(result.statusCode).toBe(403);
    expect(result.body).toContain('Sign-in started in another browser');
    expect((await world.configuration.status(draftTenant.id)).test).toBeUndefined();
  });
});
