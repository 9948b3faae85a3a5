import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDynamoAdapters } from '../../lambdas/adapters/dynamodb/index';
import { composeAdminHandler } from '../../lambdas/admin/handler';
import { asTenantId } from '../../lambdas/core/ids';
import type { SecretStore } from '../../lambdas/core/secrets';
import { UPGRADE_REQUIRED_MESSAGE } from '../../lambdas/core/tenancy/tenant';
import { Logger } from '../../lambdas/http/logger';
import type { HttpEvent, HttpResult } from '../../lambdas/http/request';
import { createTestTable, type TestTable } from '../support/dynamo';
import { httpEvent } from '../support/http-event';

class InMemorySecretStore implements SecretStore {
  readonly values = new Map<string, string>();
  async get(name: string) {
    return this.values.get(name);
  }
  async put(name: string, value: string) {
    this.values.set(name, value);
  }
  async delete(name: string) {
    this.values.delete(name);
  }
}

const API = 'https://sso.example.com';

function event(method: string, url: string, body?: unknown): HttpEvent {
  return httpEvent(method, url, {
    host: 'op.lambda-url.eu-west-1.on.aws',
    ...(body === undefined ? {} : { json: body }),
    authorizer: { iam: { accountId: '123456789012', userArn: 'arn:aws:iam::123456789012:user/ops' } },
  });
}
const bodyOf = (result: HttpResult) => JSON.parse(result.body ?? 'null');

describe('operator API: SSO and SCIM', () => {
  let table: TestTable;
  let handle: (event: HttpEvent) => Promise<HttpResult>;
  const secrets = new InMemorySecretStore();
  const create = async (name: string, domain: string) => bodyOf(await handle(event('POST', '/operator/tenants', { name, domains: [domain] }))).tenantId as string;

  beforeAll(async () => {
    table = await createTestTable();
    handle = composeAdminHandler({
      db: table.db,
      tableName: table.tableName,
      secrets,
      scimTokenSecretPrefix: 'natoma/test/scim/',
      publicBaseUrl: API,
      adminPublicUrl: 'https://admin.example.com',
      runtimeMode: 'deployed',
      logger: new Logger({}, 'error', () => {}),
    });
  });
  afterAll(async () => table.drop());

  it('reports the SP URLs of a tenant without SSO', async () => {
    const id = await create('Status', 'status.example');
    const status = bodyOf(await handle(event('GET', `/operator/tenants/${id}/sso`)));
    expect(status).toMatchObject({ spEntityId: `${API}/saml/${id}/metadata`, acsUrl: `${API}/saml/${id}/acs`, signInUrl: `${API}/signin`, initiateLoginUrl: `${API}/saml/${id}/login`, canActivate: false });
  });

  it('requires exactly one of url or xml for metadata', async () => {
    const id = await create('Meta', 'meta.example');
    for (const body of [{}, { url: 'https://idp.example/metadata', xml: '<x/>' }]) {
      const result = await handle(event('PUT', `/operator/tenants/${id}/sso/metadata`, body));
      expect(result.statusCode).toBe(400);
      expect(bodyOf(result).error.message).toContain('exactly one of url');
    }
    const bad = await handle(event('PUT', `/operator/tenants/${id}/sso/metadata`, { xml: '<not-metadata/>' }));
    expect(bad.statusCode).toBe(400);
    expect(bodyOf(bad).error.message).toMatch(/^metadata: /);
  });

  it('answers 412 to a test or activation without a draft', async () => {
    const id = await create('NoDraft', 'nodraft.example');
    expect((await handle(event('POST', `/operator/tenants/${id}/sso/test`))).statusCode).toBe(412);
    expect((await handle(event('POST', `/operator/tenants/${id}/sso/activate`))).statusCode).toBe(412);
    expect((await handle(event('POST', `/operator/tenants/${id}/sso/rollback`))).statusCode).toBe(412);
  });

  it('enables SCIM with its base URL, issues, lists and revokes tokens', async () => {
    const id = await create('Scim', 'scim-op.example');
    const enabled = bodyOf(await handle(event('POST', `/operator/tenants/${id}/scim/enable`)));
    expect(enabled).toMatchObject({ enabled: true, baseUrl: `${API}/scim/v2/${id}` });
    const created = await handle(event('POST', `/operator/tenants/${id}/scim/tokens`));
    expect(created.statusCode).toBe(201);
    const token = bodyOf(created);
    expect(token.token).toMatch(/^natoma_scim_/);
    expect(secrets.values.get(`natoma/test/scim/${id}`)).not.toContain(token.token);
    const listed = bodyOf(await handle(event('GET', `/operator/tenants/${id}/scim/tokens`)));
    expect(listed.tokens).toHaveLength(1);
    expect(JSON.stringify(listed)).not.toContain(token.token);
    expect((await handle(event('DELETE', `/operator/tenants/${id}/scim/tokens/${token.tokenId}`))).statusCode).toBe(200);
    expect((await handle(event('DELETE', `/operator/tenants/${id}/scim/tokens/${token.tokenId}`))).statusCode).toBe(404);
    expect(bodyOf(await handle(event('POST', `/operator/tenants/${id}/scim/disable`))).enabled).toBe(false);
  });

  it('answers 402 naming the upgrade when a trial tenant with active SAML enables SCIM', async () => {
    const id = await create('Trial', 'trial-saml.example');
    const { tenants } = createDynamoAdapters({ db: table.db, tableName: table.tableName });
    const tenant = (await tenants.get(asTenantId(id)))!;
    const active = { configId: 'c1', entityId: 'https://idp.example', signingCertificates: ['MIIB'], wantAuthnRequestsSigned: false, importedAt: tenant.createdAt };
    await tenants.replace({ ...tenant, sso: { ...tenant.sso, active }, version: tenant.version + 1 }, tenant.version);
    const refused = await handle(event('POST', `/operator/tenants/${id}/scim/enable`));
    expect(refused.statusCode).toBe(402);
    expect(bodyOf(refused).error).toEqual({ code: 'plan_required', message: UPGRADE_REQUIRED_MESSAGE });
    await handle(event('POST', `/operator/tenants/${id}/upgrade`));
    expect((await handle(event('POST', `/operator/tenants/${id}/scim/enable`))).statusCode).toBe(200);
  });
});
