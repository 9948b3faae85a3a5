import { describe, expect, it } from 'vitest';
import { asTenantId, type TenantId } from '../../lambdas/core/ids';
import type { Tenant } from '../../lambdas/core/tenancy/tenant';
import { TenantCache } from '../../lambdas/saml/tenant-cache';

const ID = asTenantId('t1');
const tenantWith = (active: boolean, version = 1) => ({ id: ID, version, domains: ['a.example'], sso: { active: active ? { configId: 'c' } : undefined } }) as unknown as Tenant;

function fakeRepo(initial: Tenant) {
  let current = initial;
  const calls = { get: 0, findByDomain: 0 };
  return {
    calls,
    set: (tenant: Tenant) => void (current = tenant),
    repo: {
      get: async (_id: TenantId) => (calls.get++, current),
      findByDomain: async (_domain: string) => (calls.findByDomain++, current),
    },
  };
}

describe('TenantCache (SAML sign-in paths)', () => {
  it('reuses an active tenant for at most the TTL, and shares concurrent reads', async () => {
    let now = 0;
    const fake = fakeRepo(tenantWith(true));
    const cache = new TenantCache(fake.repo, 5_000, () => now);
    await Promise.all([cache.get(ID), cache.get(ID), cache.get(ID)]);
    expect(fake.calls.get).toBe(1);
    fake.set(tenantWith(true, 2));
    now = 4_999;
    expect((await cache.get(ID))?.version).toBe(1);
    now = 5_000;
    expect((await cache.get(ID))?.version).toBe(2);
    expect(fake.calls.get).toBe(2);
  });

  it('never keeps a tenant without active SSO: activation is seen at once', async () => {
    const fake = fakeRepo(tenantWith(false));
    const cache = new TenantCache(fake.repo, 5_000, () => 0);
    expect((await cache.get(ID))?.sso.active).toBeUndefined();
    fake.set(tenantWith(true));
    expect((await cache.get(ID))?.sso.active).toBeDefined();
  });

  it('fresh() always reads and refreshes the entry', async () => {
    const fake = fakeRepo(tenantWith(true));
    const cache = new TenantCache(fake.repo, 5_000, () => 0);
    await cache.get(ID);
    fake.set(tenantWith(true, 3));
    expect((await cache.fresh(ID))?.version).toBe(3);
    expect((await cache.get(ID))?.version).toBe(3);
    expect(fake.calls.get).toBe(2);
  });

  it('caches the domain lookup too, and is off with a TTL of 0', async () => {
    const fake = fakeRepo(tenantWith(true));
    const cache = new TenantCache(fake.repo, 5_000, () => 0);
    await cache.findByDomain('A.example');
    await cache.findByDomain('a.example');
    expect(fake.calls).toEqual({ get: 0, findByDomain: 1 });
    const off = new TenantCache(fake.repo, 0);
    await off.get(ID);
    await off.get(ID);
    expect(fake.calls.get).toBe(2);
  });
});
