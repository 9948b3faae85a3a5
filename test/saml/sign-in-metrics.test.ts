import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { emfLinesOf, expectValidEmf } from '../support/emf';
import { createSamlWorld, type SamlWorld } from './support/harness';

/** SignIns (EMF) where the ACS decides: succeeded by flow, refused by refusal code; tenant ID as a property only. */
describe('sign-in metrics from the ACS', () => {
  let world: SamlWorld;
  beforeAll(async () => (world = await createSamlWorld()));
  afterAll(async () => world.drop());

  const signInLines = () => emfLinesOf(world.logs).filter((document) => document.SignIns !== undefined);

  it('counts a successful sign-in as succeeded, without the user or the assertion on the line', async () => {
    const tenant = await world.tenant();
    const email = `metrics@${tenant.domains[0]}`;
    const before = signInLines().length;
    const result = await world.postAcs(tenant.id, await world.idp.response({ acsUrl: tenant.urls.acsUrl, audience: tenant.urls.spEntityId, nameId: email, attributes: { email } }));
    expect(result.statusCode).toBe(303);
    const [line] = signInLines().slice(before);
    expectValidEmf(line!);
    expect(line).toMatchObject({ Result: 'succeeded', Flow: 'user', SignIns: 1, tenantId: tenant.id });
    expect(line!._aws.CloudWatchMetrics[0]!.Dimensions).toEqual([['Result'], ['Result', 'Flow']]);
    expect(JSON.stringify(line)).not.toMatch(/metrics@|SAMLResponse|Assertion/);
  });

  it('counts a refusal with its code as a dimension and the tenant ID only as a property', async () => {
    const tenant = await world.tenant();
    const before = signInLines().length;
    const result = await world.postAcs(tenant.id, Buffer.from('<not-saml/>').toString('base64'));
    expect(result.statusCode).toBe(400);
    const [line] = signInLines().slice(before);
    expectValidEmf(line!);
    expect(line).toMatchObject({ Result: 'refused', SignIns: 1, tenantId: tenant.id });
    expect(line!.Code).toMatch(/^[a-z-]+$/);
    const dimensionKeys = line!._aws.CloudWatchMetrics.flatMap((directive) => directive.Dimensions.flat());
    expect(dimensionKeys).not.toContain('tenantId');
    expect(new Set(dimensionKeys)).toEqual(new Set(['Result', 'Code']));
  });
});
