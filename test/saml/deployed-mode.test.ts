import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { idpMetadataSource } from '../../lambdas/adapters/saml-metadata/index';
import { createSamlWorld, httpEvent, sessionCookieOf, SESSION, type SamlWorld } from './support/harness';
import { SamlifyIdp } from './support/samlify-idp';

/** Issue 11: what deployed mode adds, next to the http twin (local mode). */
describe('deployed mode', () => {
  let world: SamlWorld;
  beforeAll(async () => (world = await createSamlWorld()));
  afterAll(async () => world.drop());

  it('refuses IdP metadata with an http sign-in URL at import, saying why, and keeps no draft', async () => {
    const tenant = await world.tenant({ activate: false });
    const before = await world.configuration.status(tenant.id);
    const plain = new SamlifyIdp({ ssoUrl: 'http://idp.example.test/app/sso/saml' });
    await expect(world.configuration.setMetadata(tenant.id, { xml: plain.metadata() })).rejects.toThrow(/uses http:\/\/, so sign-ins would travel unencrypted: use the IdP's https:\/\//);
    expect((await world.configuration.status(tenant.id)).draft?.configId).toBe(before.draft?.configId);
  });

  it('names its cookies with the __Host- prefix (Secure, Path=/, no Domain)', async () => {
    const tenant = await world.tenant({ allowIdpInitiated: true });
    const email = `host@${tenant.domains[0]}`;
    const acs = await world.postAcs(tenant.id, await world.idp.response({ acsUrl: tenant.urls.acsUrl, audience: tenant.urls.spEntityId, nameId: email, attributes: { email } }));
    const line = acs.cookies!.find((c) => c.startsWith(`${SESSION}=`))!;
    expect(line).toMatch(/; Path=\/; HttpOnly; Secure; SameSite=Lax$/);
    expect(line).not.toMatch(/Domain=/i);
    // The unprefixed name is not read in deployed mode: a sibling subdomain cannot plant a session.
    const planted = await world.handleRaw(httpEvent('GET', '/dashboard', { cookies: [`natoma_session=${sessionCookieOf(acs)}`] }));
    expect(planted.headers?.location).toBe('/signin');
    expect((await world.handleRaw(httpEvent('GET', '/dashboard', { cookies: [`${SESSION}=${sessionCookieOf(acs)}`] }))).statusCode).toBe(200);
  });
});

describe('local mode (the twin)', () => {
  let world: SamlWorld;
  beforeAll(async () => (world = await createSamlWorld({ runtimeMode: 'local' })));
  afterAll(async () => world.drop());

  it('accepts an http IdP sign-in URL and keeps unprefixed cookies', async () => {
    const plain = new SamlifyIdp({ ssoUrl: 'http://127.0.0.1:9/sso' });
    expect(idpMetadataSource({ mode: 'local' }).parse(plain.metadata()).ssoRedirectUrl).toBe('http://127.0.0.1:9/sso');
    const tenant = await world.tenant({ allowIdpInitiated: true });
    const email = `twin@${tenant.domains[0]}`;
    const acs = await world.postAcs(tenant.id, await world.idp.response({ acsUrl: tenant.urls.acsUrl, audience: tenant.urls.spEntityId, nameId: email, attributes: { email } }));
    expect(acs.cookies?.[0]).toMatch(/^natoma_session=[^;]+; Max-Age=\d+; Path=\/; HttpOnly; SameSite=Lax$/);
  });
});
