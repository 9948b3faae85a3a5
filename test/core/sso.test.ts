import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDynamoAdapters, type DynamoAdapters } from '../../lambdas/adapters/dynamodb';
import { systemClock } from '../../lambdas/core/clock';
import { InvalidInputError, PlanRequiredError, PreconditionFailedError } from '../../lambdas/core/errors';
import { SamlConfiguration } from '../../lambdas/core/sso/configuration';
import { IdpMetadataError, MetadataFetchError, type IdpMetadata, type IdpMetadataSource } from '../../lambdas/core/sso/ports';
import { redeemTestTicket } from '../../lambdas/core/sso/test-tickets';
import { aTenant } from '../adapters/dynamodb/fixtures';
import { createTestTable, type TestTable } from '../support/dynamo';

const API = 'https://api.natoma.test';
const IDP: IdpMetadata = { entityId: 'http://www.okta.com/exk1', ssoRedirectUrl: 'https://acme.okta.test/sso', signingCertificates: ['MIIB'], wantAuthnRequestsSigned: false, certificateExpiries: [] };

/** The metadata port as core sees it: no XML, no network; `fetch` answers or refuses as told. */
function metadataSource(fetchAnswer: () => string = () => '<xml/>'): IdpMetadataSource & { fetched: string[] } {
  const fetched: string[] = [];
  return {
    fetched,
    fetch: async (url) => (fetched.push(url), fetchAnswer()),
    parse: (xml) => {
      if (xml === 'unreadable') throw new IdpMetadataError('this is not SAML 2.0 metadata');
      return IDP;
    },
  };
}

let table: TestTable;
let store: DynamoAdapters;
beforeAll(async () => {
  table = await createTestTable();
  store = createDynamoAdapters({ db: table.db, tableName: table.tableName });
});
afterAll(async () => table.drop());

const configuration = (metadata: IdpMetadataSource) => new SamlConfiguration({ tenants: store.tenants, ephemeral: store.ephemeral, activity: store.activity, clock: systemClock, apiBaseUrl: API, metadata });

async function tenant(overrides: Parameters<typeof aTenant>[0] = {}) {
  const created = aTenant({ plan: 'paid', ...overrides });
  await store.tenants.create(created);
  return created;
}

describe('the SSO configuration lifecycle in core', () => {
  it('imports metadata through the port (URL trimmed and kept) and drops the certificate expiries', async () => {
    const source = metadataSource();
    const { id } = await tenant();
    const draft = await configuration(source).setMetadata(id, { url: '  https://acme.okta.test/metadata ' });
    expect(source.fetched).toEqual(['https://acme.okta.test/metadata']);
    expect(draft).toMatchObject({ entityId: IDP.entityId, metadataUrl: 'https://acme.okta.test/metadata' });
    expect(draft).not.toHaveProperty('certificateExpiries');
  });

  it('turns a refused fetch or unreadable metadata into invalid input that says which', async () => {
    const { id } = await tenant();
    const refusing = metadataSource(() => {
      throw new MetadataFetchError('the metadata URL must start with https://');
    });
    await expect(configuration(refusing).setMetadata(id, { url: 'http://idp.test/m' })).rejects.toSatisfy((error: unknown) => error instanceof InvalidInputError && error.message === 'metadata URL: the metadata URL must start with https://');
    await expect(configuration(metadataSource()).setMetadata(id, { xml: 'unreadable' })).rejects.toSatisfy((error: unknown) => error instanceof InvalidInputError && error.message === 'metadata: this is not SAML 2.0 metadata');
    expect((await store.tenants.get(id))!.sso.draft).toBeUndefined();
  });

  it('refuses Update of an untested draft as a precondition, and on a trial with SCIM as a plan matter', async () => {
    const paid = await tenant();
    const sso = configuration(metadataSource());
    await sso.setMetadata(paid.id, { xml: '<m/>' });
    await expect(sso.activate(paid.id)).rejects.toBeInstanceOf(PreconditionFailedError);

    const trial = await tenant({ plan: 'trial', scim: { enabled: true } });
    const draft = await sso.setMetadata(trial.id, { xml: '<m/>' });
    await sso.recordTestOutcome(trial.id, draft.configId, { status: 'passed', at: new Date().toISOString(), attributes: {}, nameId: 'n' });
    expect(await sso.status(trial.id)).toMatchObject({ canActivate: false });
    await expect(sso.activate(trial.id)).rejects.toBeInstanceOf(PlanRequiredError);
  });

  it('issues Test SAML tickets that open one test of this tenant’s draft, once', async () => {
    const { id } = await tenant();
    const sso = configuration(metadataSource());
    const draft = await sso.setMetadata(id, { xml: '<m/>' });
    const { testUrl, configId } = await sso.startTest(id);
    expect(configId).toBe(draft.configId);
    const ticket = new URL(testUrl).searchParams.get('ticket')!;
    expect(testUrl.startsWith(`${API}/saml/${id}/test?ticket=`)).toBe(true);
    expect(await redeemTestTicket(store.ephemeral, ticket)).toEqual({ tenantId: id, configId: draft.configId });
    expect(await redeemTestTicket(store.ephemeral, ticket)).toBeUndefined();
    expect(await redeemTestTicket(store.ephemeral, '')).toBeUndefined();
  });
});
