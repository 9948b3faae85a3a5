import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { certificateBody } from '../../lambdas/saml/sp-credentials';
import { createSamlWorld, httpEvent, sessionCookieOf, type SamlWorld } from './support/harness';
import { generateOtherCredential, idpCredential } from './support/samlify-idp';

describe('SP key rollover', () => {
  let world: SamlWorld;
  // current and next: the IdP may still encrypt to the old certificate or already to the new one.
  beforeAll(async () => (world = await createSamlWorld({ keyring: { current: generateOtherCredential(), next: idpCredential() } })));
  afterAll(async () => world.drop());

  it('publishes both certificates in the SP metadata', async () => {
    const tenant = await world.tenant();
    const metadata = (await world.handle(httpEvent('GET', `/saml/${tenant.id}/metadata`))).body!;
    expect(metadata).toContain(certificateBody(world.keyring.current.certificatePem));
    expect(metadata).toContain(certificateBody(world.keyring.next!.certificatePem));
  });

  it.each(['current', 'next'] as const)('decrypts an assertion encrypted to the %s certificate', async (which) => {
    const tenant = await world.tenant();
    const email = `rollover-${which}@${tenant.domains[0]}`;
    const response = await world.idp.response({ acsUrl: tenant.urls.acsUrl, audience: tenant.urls.spEntityId, nameId: email, attributes: { email }, encryptTo: world.keyring[which]!.certificatePem });
    const result = await world.postAcs(tenant.id, response);
    expect(result.statusCode, result.body?.slice(0, 300)).toBe(303);
    expect(sessionCookieOf(result)).toBeDefined();
  });

  it('refuses an assertion encrypted to a certificate that is not ours', async () => {
    const { generateSpCredential } = await import('../../lambdas/saml/sp-credentials');
    const tenant = await world.tenant();
    const email = `stranger@${tenant.domains[0]}`;
    const response = await world.idp.response({ acsUrl: tenant.urls.acsUrl, audience: tenant.urls.spEntityId, nameId: email, attributes: { email }, encryptTo: generateSpCredential('not ours', 5).certificatePem });
    const result = await world.postAcs(tenant.id, response);
    expect(result.statusCode).toBe(400);
    expect(result.body).toContain('could not be decrypted');
  });
});
