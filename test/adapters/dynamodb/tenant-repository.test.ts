import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDynamoAdapters, type DynamoAdapters } from '../../../lambdas/adapters/dynamodb';
import { ConflictError, InvalidInputError, NotFoundError, PreconditionFailedError } from '../../../lambdas/core/errors';
import type { Tenant } from '../../../lambdas/core/tenancy/tenant';
import { createTestTable, type TestTable } from '../../support/dynamo';
import { aTenant, freshTenantId, race } from './fixtures';

let table: TestTable;
let store: DynamoAdapters;

beforeAll(async () => {
  table = await createTestTable();
  store = createDynamoAdapters({ db: table.db, tableName: table.tableName });
});
afterAll(async () => table.drop());

const uniqueDomain = () => `d${Math.random().toString(36).slice(2, 10)}.example.com`;
const next = (tenant: Tenant, changes: Partial<Tenant>): Tenant => ({ ...tenant, ...changes, version: tenant.version + 1 });

describe('domains', () => {
  it('refuses a second tenant claiming a domain, naming the domain', async () => {
    const domain = uniqueDomain();
    await store.tenants.create(aTenant({ domains: [domain] }));

    const second = aTenant({ domains: [uniqueDomain(), domain.toUpperCase()] });
    await expect(store.tenants.create(second)).rejects.toThrow(new ConflictError(`domain "${domain}" already belongs to another tenant`));
    expect(await store.tenants.get(second.id)).toBeUndefined();
  });

  it('lets exactly one of many tenants claiming one domain at once win', async () => {
    const domain = uniqueDomain();
    const contenders = Array.from({ length: 10 }, () => aTenant({ domains: [domain] }));

    const { won, errors } = await race(contenders.map((tenant) => store.tenants.create(tenant)));

    expect(won).toHaveLength(1);
    expect(errors).toHaveLength(9);
    expect(errors.every((error) => error instanceof ConflictError)).toBe(true);
    const owner = await store.tenants.findByDomain(domain);
    const created = await Promise.all(contenders.map((tenant) => store.tenants.get(tenant.id)));
    expect(created.filter(Boolean).map((tenant) => tenant!.id)).toEqual([owner!.id]);
  });

  it('finds the tenant of a domain in any case, and nothing for an unknown domain', async () => {
    const domain = uniqueDomain();
    const tenant = aTenant({ domains: [domain] });
    await store.tenants.create(tenant);

    expect((await store.tenants.findByDomain(domain.toUpperCase() + '.'))?.id).toBe(tenant.id);
    expect(await store.tenants.findByDomain(uniqueDomain())).toBeUndefined();
  });

  it('releases removed domains and claims added ones on replace', async () => {
    const [kept, dropped, added] = [uniqueDomain(), uniqueDomain(), uniqueDomain()];
    const tenant = aTenant({ domains: [kept, dropped] });
    await store.tenants.create(tenant);

    await store.tenants.replace(next(tenant, { domains: [kept, added] }), 1);

    expect((await store.tenants.findByDomain(added))?.id).toBe(tenant.id);
    expect((await store.tenants.findByDomain(kept))?.id).toBe(tenant.id);
    expect(await store.tenants.findByDomain(dropped)).toBeUndefined();
    await expect(store.tenants.create(aTenant({ domains: [dropped] }))).resolves.toBeUndefined();
  });

  it('refuses a replace that claims another tenant’s domain and changes nothing', async () => {
    const theirs = uniqueDomain();
    await store.tenants.create(aTenant({ domains: [theirs] }));
    const tenant = aTenant({ domains: [uniqueDomain()] });
    await store.tenants.create(tenant);

    await expect(store.tenants.replace(next(tenant, { domains: [...tenant.domains, theirs] }), 1)).rejects.toBeInstanceOf(ConflictError);
    expect(await store.tenants.get(tenant.id)).toEqual(tenant);
  });

  it('refuses more domains than one transaction can guard', async () => {
    const domains = Array.from({ length: 46 }, uniqueDomain);
    await expect(store.tenants.create(aTenant({ domains }))).rejects.toBeInstanceOf(InvalidInputError);
  });
});

describe('versions', () => {
  it('rejects a stale replace and lets one of two concurrent replaces win', async () => {
    const tenant = aTenant();
    await store.tenants.create(tenant);

    const { won, errors } = await race([
      store.tenants.replace(next(tenant, { plan: 'paid' }), 1),
      store.tenants.replace(next(tenant, { name: 'Renamed' }), 1),
    ]);

    expect(won).toHaveLength(1);
    expect(errors[0]).toBeInstanceOf(PreconditionFailedError);
    await expect(store.tenants.replace(next(tenant, { name: 'late' }), 1)).rejects.toThrow(/changed meanwhile \(version 2/);
  });

  it('says NotFound for a replace of a tenant that does not exist', async () => {
    await expect(store.tenants.replace(next(aTenant(), {}), 1)).rejects.toBeInstanceOf(NotFoundError);
  });

  it('round-trips a tenant with SSO settings, a tested draft and SCIM on', async () => {
    const idp = {
      configId: 'c1',
      entityId: 'http://www.okta.com/exk1',
      ssoRedirectUrl: 'https://acme.okta.com/app/x/sso/saml',
      signingCertificates: ['MIIC...'],
      wantAuthnRequestsSigned: false,
      importedAt: '2025-01-02T00:00:00.000Z',
    };
    const tenant = aTenant({
      plan: 'paid',
      sso: {
        draft: { ...idp, configId: 'c2', test: { status: 'failed', at: '2025-01-03T00:00:00.000Z', problems: [{ code: 'audience', message: 'wrong audience' }] } },
        active: idp,
        allowIdpInitiated: false,
        jitProvisioning: true,
        clockSkewSec: 60,
      },
      scim: { enabled: true, enabledAt: '2025-01-04T00:00:00.000Z' },
    });
    await store.tenants.create(tenant);

    expect(await store.tenants.get(tenant.id)).toEqual(tenant);
  });
});

describe('listing', () => {
  it('lists tenants oldest first across pages', async () => {
    const created = ['2030-01-03', '2030-01-01', '2030-01-02'].map((day) => aTenant({ createdAt: `${day}T00:00:00.000Z` }));
    for (const tenant of created) await store.tenants.create(tenant);
    await table.settle(); // the listing reads the GSI: eventually consistent by design

    const all: Tenant[] = [];
    let cursor: string | undefined;
    do {
      const page = await store.tenants.list({ limit: 2, ...(cursor ? { cursor } : {}) });
      all.push(...page.items);
      cursor = page.cursor;
    } while (cursor);

    const ours = all.filter((tenant) => created.some((c) => c.id === tenant.id));
    expect(ours.map((tenant) => tenant.createdAt.slice(0, 10))).toEqual(['2030-01-01', '2030-01-02', '2030-01-03']);
    expect(new Set(all.map((tenant) => tenant.id)).size).toBe(all.length);
  });
});

describe('SCIM token records', () => {
  it('stores, lists oldest first and deletes token records per tenant', async () => {
    const tenantId = freshTenantId();
    await store.scimTokens.put({ tenantId, tokenId: 'tok2', hint: 'nat_b', createdAt: '2025-02-01T00:00:00.000Z' });
    await store.scimTokens.put({ tenantId, tokenId: 'tok1', hint: 'nat_a', createdAt: '2025-01-01T00:00:00.000Z' });
    await store.scimTokens.put({ tenantId: freshTenantId(), tokenId: 'other', hint: 'nat_c', createdAt: '2025-01-01T00:00:00.000Z' });

    expect((await store.scimTokens.list(tenantId)).map((token) => token.tokenId)).toEqual(['tok1', 'tok2']);
    await store.scimTokens.delete(tenantId, 'tok1');
    expect((await store.scimTokens.list(tenantId)).map((token) => token.tokenId)).toEqual(['tok2']);
  });

  it('records a use only when the last recorded one is older than the given coarseness', async () => {
    const tenantId = freshTenantId();
    await store.scimTokens.put({ tenantId, tokenId: 'tok', hint: 'nat_x', createdAt: '2025-01-01T00:00:00.000Z' });
    const lastUsed = async () => (await store.scimTokens.list(tenantId))[0]?.lastUsedAt;

    await store.scimTokens.touch(tenantId, 'tok', new Date('2025-01-01T10:00:00.000Z'), 300);
    await store.scimTokens.touch(tenantId, 'tok', new Date('2025-01-01T10:04:00.000Z'), 300);
    expect(await lastUsed()).toBe('2025-01-01T10:00:00.000Z');

    await store.scimTokens.touch(tenantId, 'tok', new Date('2025-01-01T10:06:00.000Z'), 300);
    expect(await lastUsed()).toBe('2025-01-01T10:06:00.000Z');
  });

  it('does not resurrect a deleted token when it is touched', async () => {
    const tenantId = freshTenantId();
    await store.scimTokens.touch(tenantId, 'gone', new Date(), 300);
    expect(await store.scimTokens.list(tenantId)).toEqual([]);
  });
});
