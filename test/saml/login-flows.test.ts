import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { asTenantId } from '../../lambdas/core/ids';
import { sha256Hex } from '../../lambdas/core/digest';
import { authnRequestOf, createSamlWorld, httpEvent, sessionCookieOf, SESSION, type SamlWorld } from './support/harness';

describe('SAML login flows through the handler (samlify as the IdP, DynamoDB Local)', () => {
  let world: SamlWorld;
  beforeAll(async () => (world = await createSamlWorld()));
  afterAll(async () => world.drop());

  const attributes = (email: string, name = 'Alice Doe') => ({ email, name, firstName: name.split(' ')[0]!, lastName: name.split(' ')[1]! });

  it('signs in SP-initiated by email, JIT-creates the user and shows the dashboard', async () => {
    // Prepare
    const tenant = await world.tenant();
    const email = `alice@${tenant.domains[0]}`;
    const requestId = await world.startLogin(email);
    const response = await world.idp.response({ acsUrl: tenant.urls.acsUrl, audience: tenant.urls.spEntityId, inResponseTo: requestId, nameId: email, attributes: attributes(email) });
    // Act
    const acs = await world.postAcs(tenant.id, response);
    // Assess
    expect(acs.statusCode).toBe(303);
    expect(acs.headers?.location).toBe('/dashboard');
    const cookie = sessionCookieOf(acs)!;
    for (const attribute of ['HttpOnly', 'SameSite=Lax', 'Secure']) expect(acs.cookies![0]).toMatch(new RegExp(`; ${attribute}(;|$)`));
    const session = await world.store.sessions.get(sha256Hex(cookie));
    expect(session?.tenantId).toBe(tenant.id);
    const user = await world.store.users.findByUserName(tenant.id, email);
    expect(user).toMatchObject({ source: 'jit', displayName: 'Alice Doe', active: true });
    const dashboard = await world.handle(httpEvent('GET', '/dashboard', { cookies: [`${SESSION}=${cookie}`] }));
    expect(dashboard.statusCode).toBe(200);
    expect(dashboard.body).toContain('Alice Doe');
    expect(dashboard.body).toContain(email);
    expect(dashboard.body).toContain(tenant.name);
  });

  it('sends a well-formed AuthnRequest to the IdP redirect endpoint, unsigned unless the IdP asks', async () => {
    const tenant = await world.tenant();
    const result = await world.handle(httpEvent('GET', '/signin', { query: { email: `bob@${tenant.domains[0]}` } }));
    expect(result.statusCode).toBe(302);
    const request = authnRequestOf(result.headers!.location!);
    expect(request.url.origin + request.url.pathname).toBe(world.idp.ssoUrl);
    expect(request.xml).toContain(`AssertionConsumerServiceURL="${tenant.urls.acsUrl}"`);
    expect(request.xml).toContain(`<saml:Issuer xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion">${tenant.urls.spEntityId}</saml:Issuer>`);
    expect(request.url.searchParams.get('Signature')).toBeNull();
    expect(await world.store.ephemeral.get(`saml-request:${request.id}`)).toContain(tenant.id);
  });

  it('signs the AuthnRequest with RSA-SHA256 when the IdP metadata wants signed requests', async () => {
    const { SamlifyIdp } = await import('./support/samlify-idp');
    const tenant = await world.tenant({ activate: false });
    const idp = new SamlifyIdp({ wantAuthnRequestsSigned: true });
    const draft = await world.configuration.setMetadata(tenant.id, { xml: idp.metadata() });
    await world.configuration.recordTestOutcome(tenant.id, draft.configId, { status: 'passed', at: new Date().toISOString(), attributes: {}, nameId: 'x' });
    await world.configuration.activate(tenant.id);
    const result = await world.handle(httpEvent('GET', `/saml/${tenant.id}/login`));
    const url = new URL(result.headers!.location!);
    expect(url.searchParams.get('SigAlg')).toBe('http://www.w3.org/2001/04/xmldsig-more#rsa-sha256');
    const { createVerify } = await import('node:crypto');
    const signed = url.search.slice(1).split('&').filter((p) => !p.startsWith('Signature=')).join('&');
    expect(createVerify('RSA-SHA256').update(signed).verify(world.keyring.current.certificatePem, url.searchParams.get('Signature')!, 'base64')).toBe(true);
  });

  it.each([
    ['a signed assertion', { signAssertion: true }],
    ['a signed response', { signAssertion: false, signResponse: true }],
    ['a signed response and assertion', { signAssertion: true, signResponse: true }],
    ['an encrypted signed assertion', { signAssertion: true, encrypt: true }],
  ])('accepts %s', async (_label, variant) => {
    const tenant = await world.tenant();
    const email = `carol@${tenant.domains[0]}`;
    const requestId = await world.startLogin(email);
    const response = await world.idp.response({
      acsUrl: tenant.urls.acsUrl,
      audience: tenant.urls.spEntityId,
      inResponseTo: requestId,
      nameId: email,
      attributes: attributes(email, 'Carol King'),
      signAssertion: variant.signAssertion,
      signResponse: 'signResponse' in variant ? variant.signResponse : false,
      encryptTo: 'encrypt' in variant ? world.keyring.current.certificatePem : undefined,
    });
    const acs = await world.postAcs(tenant.id, response);
    expect(acs.statusCode, acs.body).toBe(303);
    expect(sessionCookieOf(acs)).toBeDefined();
  });

  it('accepts an unsolicited response from the Okta tile (IdP-initiated) when the tenant allows it', async () => {
    const tenant = await world.tenant();
    const email = `dave@${tenant.domains[0]}`;
    const response = await world.idp.response({ acsUrl: tenant.urls.acsUrl, audience: tenant.urls.spEntityId, nameId: email, attributes: attributes(email, 'Dave Null') });
    const acs = await world.postAcs(tenant.id, response);
    expect(acs.statusCode).toBe(303);
    expect(acs.headers?.location).toBe('/dashboard');
    const session = await world.store.sessions.get(sha256Hex(sessionCookieOf(acs)!));
    expect(session?.attributes?.initiatedBy).toBe('idp');
  });

  it('refuses an unsolicited response when the tenant turned IdP-initiated sign-in off', async () => {
    const tenant = await world.tenant({ allowIdpInitiated: false });
    const email = `erin@${tenant.domains[0]}`;
    const response = await world.idp.response({ acsUrl: tenant.urls.acsUrl, audience: tenant.urls.spEntityId, nameId: email, attributes: attributes(email) });
    const acs = await world.postAcs(tenant.id, response);
    expect(acs.statusCode).toBe(403);
    expect(sessionCookieOf(acs)).toBeUndefined();
    expect(acs.body).toContain('Start at the sign-in page');
  });

  it('starts an SP-initiated flow from the Initiate login URI and keeps target_link_uri to our own pages', async () => {
    const tenant = await world.tenant();
    const ours = await world.handle(httpEvent('GET', `/saml/${tenant.id}/login`, { query: { iss: world.idp.entityId, target_link_uri: 'https://api.natoma.test/dashboard?tab=groups' } }));
    const foreign = await world.handle(httpEvent('GET', `/saml/${tenant.id}/login`, { query: { target_link_uri: 'https://evil.example/phish' } }));
    const oursId = authnRequestOf(ours.headers!.location!).id;
    const foreignId = authnRequestOf(foreign.headers!.location!).id;
    expect(JSON.parse((await world.store.ephemeral.get(`saml-request:${oursId}`))!).relay).toBe('/dashboard?tab=groups');
    expect(JSON.parse((await world.store.ephemeral.get(`saml-request:${foreignId}`))!).relay).toBeUndefined();
    const email = `fay@${tenant.domains[0]}`;
    const response = await world.idp.response({ acsUrl: tenant.urls.acsUrl, audience: tenant.urls.spEntityId, inResponseTo: oursId, nameId: email, attributes: attributes(email) });
    const acs = await world.postAcs(tenant.id, response);
    expect(acs.headers?.location).toBe('/dashboard?tab=groups');
  });

  it('ignores RelayState sent by the IdP: an unsolicited login always lands on the dashboard', async () => {
    const tenant = await world.tenant();
    const email = `gus@${tenant.domains[0]}`;
    const response = await world.idp.response({ acsUrl: tenant.urls.acsUrl, audience: tenant.urls.spEntityId, nameId: email, attributes: attributes(email) });
    const acs = await world.handle(httpEvent('POST', `/saml/${tenant.id}/acs`, { form: { SAMLResponse: response, RelayState: 'https://evil.example/' } }));
    expect(acs.headers?.location).toBe('/dashboard');
  });

  it('shows the same neutral page for an unknown domain and a tenant without active SSO', async () => {
    const inactive = await world.tenant({ activate: false });
    const unknown = await world.handle(httpEvent('POST', '/signin', { form: { email: 'x@nobody-here.example.org' } }));
    const notActive = await world.handle(httpEvent('POST', '/signin', { form: { email: `x@${inactive.domains[0]}` } }));
    expect(unknown.statusCode).toBe(notActive.statusCode);
    expect(unknown.body!.replace('x@nobody-here.example.org', 'E')).toBe(notActive.body!.replace(`x@${inactive.domains[0]}`, 'E'));
  });

  it('ends the session on logout', async () => {
    const tenant = await world.tenant();
    const email = `hal@${tenant.domains[0]}`;
    const response = await world.idp.response({ acsUrl: tenant.urls.acsUrl, audience: tenant.urls.spEntityId, nameId: email, attributes: attributes(email) });
    const cookie = sessionCookieOf(await world.postAcs(tenant.id, response))!;
    const dashboard = await world.handle(httpEvent('GET', '/dashboard', { cookies: [`${SESSION}=${cookie}`] }));
    const token = /name="token" value="([0-9a-f]{64})"/.exec(dashboard.body!)![1]!;
    const out = await world.handle(httpEvent('POST', '/logout', { cookies: [`${SESSION}=${cookie}`], form: { token } }));
    expect(out.cookies![0]).toMatch(/Max-Age=0/);
    expect(await world.store.sessions.get(sha256Hex(cookie))).toBeUndefined();
    const after = await world.handle(httpEvent('GET', '/dashboard', { cookies: [`${SESSION}=${cookie}`] }));
    expect(after.statusCode).toBe(302);
    expect(after.headers?.location).toBe('/signin');
  });

  it('serves SP metadata and health', async () => {
    const tenant = await world.tenant();
    const metadata = await world.handle(httpEvent('GET', `/saml/${tenant.id}/metadata`));
    expect(metadata.statusCode).toBe(200);
    expect(metadata.body).toContain(`entityID="${tenant.urls.spEntityId}"`);
    const health = await world.handle(httpEvent('GET', '/health'));
    expect(JSON.parse(health.body!)).toMatchObject({ status: 'ok' });
    const missing = await world.handle(httpEvent('GET', `/saml/${asTenantId('tzzzzzzzzzzzz')}/metadata`));
    expect(missing.statusCode).toBe(404);
  });
});
