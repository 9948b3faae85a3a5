import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PlanRequiredError, PreconditionFailedError } from '../../lambdas/core/errors';
import { UPGRADE_REQUIRED_MESSAGE } from '../../lambdas/core/tenancy/tenant';
import { authnRequestOf, createSamlWorld, httpEvent, type SamlWorld } from './support/harness';
import { decode, encode, generateOtherCredential, RSA_SHA1, SamlifyIdp, type ResponseOptions } from './support/samlify-idp';

describe('Test SAML, Update and rollback', () => {
  let world: SamlWorld;
  beforeAll(async () => (world = await createSamlWorld()));
  afterAll(async () => world.drop());

  /** Imports `idp` as a draft of a fresh tenant and starts Test SAML; returns what the IdP needs to answer. */
  async function draftUnderTest(idp: SamlifyIdp = world.idp, options: { plan?: 'trial' | 'paid' } = {}) {
    const tenant = await world.tenant({ activate: false, plan: options.plan });
    const draft = await world.configuration.setMetadata(tenant.id, { xml: idp.metadata() });
    const { testUrl } = await world.configuration.startTest(tenant.id);
    const url = new URL(testUrl);
    const start = await world.handle(httpEvent('GET', url.pathname, { query: Object.fromEntries(url.searchParams) }));
    expect(start.statusCode).toBe(302);
    const requestId = authnRequestOf(start.headers!.location!).id;
    const email = `admin@${tenant.domains[0]}`;
    const base: ResponseOptions = { acsUrl: tenant.urls.acsUrl, audience: tenant.urls.spEntityId, inResponseTo: requestId, nameId: email, attributes: { email, name: 'Ada Admin' } };
    return { tenant, draft, base, email, testUrl };
  }

  it('passes with a correct IdP, shows the attributes received, stores the outcome and lets Update activate', async () => {
    const { tenant, draft, base } = await draftUnderTest();
    const result = await world.postAcs(tenant.id, await world.idp.response(base));
    expect(result.statusCode).toBe(200);
    expect(result.body).toContain('Test SAML passed');
    expect(result.body).toContain('Ada Admin');
    const status = await world.configuration.status(tenant.id);
    expect(status.test?.status).toBe('passed');
    expect(status.canActivate).toBe(true);
    const active = await world.configuration.activate(tenant.id);
    expect(active.configId).toBe(draft.configId);
    const after = await world.configuration.status(tenant.id);
    expect(after.active?.configId).toBe(draft.configId);
    expect(after.draft).toBeUndefined();
  });

  it('a test ticket works once', async () => {
    const { testUrl } = await draftUnderTest();
    const url = new URL(testUrl);
    const again = await world.handle(httpEvent('GET', url.pathname, { query: Object.fromEntries(url.searchParams) }));
    expect(again.statusCode).toBe(400);
    expect(again.body).toContain('already used or has expired');
  });

  const misconfigurations: [string, (base: ResponseOptions) => Partial<ResponseOptions>, string, RegExp][] = [
    ['issuer', () => ({ issuer: 'http://www.okta.com/exk-wrong-app' }), 'issuer', /another identity provider/],
    ['audience', () => ({ audience: 'https://api.natoma.test/saml/twrongtenant1/metadata' }), 'audience', /Audience/],
    ['destination', () => ({ destination: 'https://api.natoma.test/saml/old/acs' }), 'destination', /Destination/],
    ['recipient', () => ({ recipient: 'https://api.natoma.test/saml/old/acs' }), 'recipient', /Recipient/],
    ['expired assertion (IdP clock behind)', () => ({ issueInstant: new Date(Date.now() - 3_600_000), notBefore: new Date(Date.now() - 3_600_000), notOnOrAfter: new Date(Date.now() - 1_800_000) }), 'expired', /expired/],
    ['IdP clock ahead', () => ({ issueInstant: new Date(Date.now() + 900_000), notBefore: new Date(Date.now() + 900_000), notOnOrAfter: new Date(Date.now() + 1_800_000) }), 'clock-skew', /not valid yet/],
    ['missing email attribute', (base) => ({ attributes: { name: 'Ada Admin' }, nameId: base.nameId }), 'missing-email', /no &quot;email&quot; attribute/],
  ];

  it.each(misconfigurations)('reports a wrong %s in plain words with expected and received', async (_label, change, code, words) => {
    const { tenant, base } = await draftUnderTest();
    const result = await world.postAcs(tenant.id, await world.idp.response({ ...base, ...change(base) }));
    expect(result.statusCode).toBe(422);
    expect(result.body).toContain('Test SAML failed');
    expect(result.body).toMatch(words);
    expect(result.body).toContain('Expected');
    const status = await world.configuration.status(tenant.id);
    expect(status.test?.status).toBe('failed');
    expect(status.test?.status === 'failed' && status.test.problems.map((p) => p.code)).toContain(code);
    await expect(world.configuration.activate(tenant.id)).rejects.toThrow(PreconditionFailedError);
  });

  it('reports a certificate that is not in the metadata (the IdP rotated its key)', async () => {
    const { tenant, base } = await draftUnderTest();
    const rotated = new SamlifyIdp({ entityId: world.idp.entityId, credential: generateOtherCredential() });
    const result = await world.postAcs(tenant.id, await rotated.response(base));
    expect(result.statusCode).toBe(422);
    expect(result.body).toMatch(/certificate that is not in the imported metadata/);
    const status = await world.configuration.status(tenant.id);
    expect(status.test?.status === 'failed' && status.test.problems.map((p) => p.code)).toEqual(['certificate']);
  });

  it('reports an RSA-SHA1 signature as a failed test with expected and received algorithms', async () => {
    const { tenant, base } = await draftUnderTest();
    const result = await world.postAcs(tenant.id, await world.idp.response({ ...base, signatureAlgorithm: RSA_SHA1 }));
    expect(result.statusCode).toBe(422);
    expect(result.body).toContain('Test SAML failed');
    expect(result.body).toContain('RSA-SHA1');
    const status = await world.configuration.status(tenant.id);
    expect(status.test?.status === 'failed' && status.test.problems.map((p) => p.code)).toEqual(['weak-signature']);
  });

  it('reports an unsigned response', async () => {
    const { tenant, base } = await draftUnderTest();
    const result = await world.postAcs(tenant.id, encode(world.idp.responseXml(base)));
    expect(result.body).toMatch(/Neither the response nor the assertion is signed/);
  });

  it('reports an IdP error status', async () => {
    const { tenant, base } = await draftUnderTest();
    const xml = decode(await world.idp.response(base)).replace('status:Success', 'status:Requester');
    const result = await world.postAcs(tenant.id, encode(xml));
    expect(result.statusCode).toBe(422);
    expect(result.body).toMatch(/did not succeed/);
  });

  it('refuses Update of an untested draft, and of a draft replaced after its test passed', async () => {
    const { tenant, base } = await draftUnderTest();
    await expect(world.configuration.activate(tenant.id)).rejects.toThrow(/has not been tested/);
    expect((await world.postAcs(tenant.id, await world.idp.response(base))).statusCode).toBe(200);
    await world.configuration.setMetadata(tenant.id, { xml: world.idp.metadata() });
    await expect(world.configuration.activate(tenant.id)).rejects.toThrow(/has not been tested/);
  });

  it('does not record a test outcome on a draft that changed while the test ran', async () => {
    const { tenant, base } = await draftUnderTest();
    await world.configuration.setMetadata(tenant.id, { xml: world.idp.metadata() });
    const result = await world.postAcs(tenant.id, await world.idp.response(base));
    expect(result.statusCode).toBe(409);
    expect((await world.configuration.status(tenant.id)).test).toBeUndefined();
  });

  it('keeps the active configuration in use while a new draft is tested, and rolls back one step', async () => {
    const tenant = await world.tenant();
    const first = (await world.configuration.status(tenant.id)).active!;
    const second = await world.configuration.setMetadata(tenant.id, { xml: new SamlifyIdp({ entityId: 'http://www.okta.com/exk-second' }).metadata() });
    expect((await world.configuration.status(tenant.id)).active?.configId).toBe(first.configId);
    await world.configuration.recordTestOutcome(tenant.id, second.configId, { status: 'passed', at: new Date().toISOString(), attributes: {}, nameId: 'x' });
    await world.configuration.activate(tenant.id);
    const swapped = await world.configuration.status(tenant.id);
    expect(swapped.active?.configId).toBe(second.configId);
    expect(swapped.previous?.configId).toBe(first.configId);
    await world.configuration.rollback(tenant.id);
    const back = await world.configuration.status(tenant.id);
    expect(back.active?.configId).toBe(first.configId);
    expect(back.previous).toBeUndefined();
    await expect(world.configuration.rollback(tenant.id)).rejects.toThrow(/no previous/);
  });

  it('lets a trial tenant with SCIM configure and test, but refuses Update with the upgrade message', async () => {
    const { tenant, base } = await draftUnderTest(world.idp, { plan: 'trial' });
    const current = (await world.store.tenants.get(tenant.id))!;
    await world.store.tenants.replace({ ...current, scim: { enabled: true, enabledAt: new Date().toISOString() }, version: current.version + 1 }, current.version);
    expect((await world.postAcs(tenant.id, await world.idp.response(base))).statusCode).toBe(200);
    const status = await world.configuration.status(tenant.id);
    expect(status.canActivate).toBe(false);
    expect(status.activateBlockedReason).toBe(UPGRADE_REQUIRED_MESSAGE);
    await expect(world.configuration.activate(tenant.id)).rejects.toThrow(PlanRequiredError);
    await expect(world.configuration.activate(tenant.id)).rejects.toThrow(UPGRADE_REQUIRED_MESSAGE);
  });

  it('status lists the URLs an admin copies', async () => {
    const tenant = await world.tenant();
    const status = await world.configuration.status(tenant.id);
    expect(status).toMatchObject({
      tenantId: tenant.id,
      spEntityId: `https://api.natoma.test/saml/${tenant.id}/metadata`,
      spMetadataUrl: `https://api.natoma.test/saml/${tenant.id}/metadata`,
      acsUrl: `https://api.natoma.test/saml/${tenant.id}/acs`,
      signInUrl: 'https://api.natoma.test/signin',
      initiateLoginUrl: `https://api.natoma.test/saml/${tenant.id}/login`,
      allowIdpInitiated: true,
      jitProvisioning: true,
    });
  });

  it('records configuration changes in the activity log', async () => {
    const tenant = await world.tenant();
    const types = (await world.store.activity.list(tenant.id, { limit: 50 })).items.map((e) => e.type);
    expect(types).toEqual(expect.arrayContaining(['sso.metadata.imported', 'sso.test.passed', 'sso.activated']));
  });
});
