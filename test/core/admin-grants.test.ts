import { describe, expect, it } from 'vitest';
import { asTenantId, asUserId } from '../../lambdas/core/ids';
import { adminGrantKey, newAdminGrant, redeemAdminGrant, SSO_GRANT_TTL_SEC } from '../../lambdas/core/sessions/admin-grants';
import type { EphemeralStore } from '../../lambdas/core/sessions/ports';

class MapStore implements Pick<EphemeralStore, 'take'> {
  readonly entries = new Map<string, string>();
  takes = 0;
  async take(key: string): Promise<string | undefined> {
    this.takes += 1;
    const value = this.entries.get(key);
    this.entries.delete(key);
    return value;
  }
}

describe('one-time admin grants', () => {
  const tenantId = asTenantId('t_1');

  it('stores only the hash of the code, and redeems it exactly once', async () => {
    const store = new MapStore();
    const now = new Date('2026-01-01T00:00:00Z');
    const { code, entry } = newAdminGrant({ via: 'sso', tenantId, userId: asUserId('u_1'), email: 'a@acme.test' }, now, SSO_GRANT_TTL_SEC);
    expect(entry.key).toBe(adminGrantKey(code));
    expect(entry.key).not.toContain(code);
    expect(entry.expiresAt.getTime() - now.getTime()).toBe(SSO_GRANT_TTL_SEC * 1000);
    store.entries.set(entry.key, entry.value);
    const asStore = store as unknown as EphemeralStore;
    expect(await redeemAdminGrant(asStore, code)).toEqual({ via: 'sso', tenantId, userId: 'u_1', email: 'a@acme.test' });
    expect(await redeemAdminGrant(asStore, code)).toBeUndefined();
  });

  it('refuses malformed codes without a lookup, and malformed entries', async () => {
    const store = new MapStore();
    const asStore = store as unknown as EphemeralStore;
    expect(await redeemAdminGrant(asStore, "x' OR 1=1")).toBeUndefined();
    expect(store.takes).toBe(0);
    const code = 'a'.repeat(43);
    store.entries.set(adminGrantKey(code), '{not json');
    expect(await redeemAdminGrant(asStore, code)).toBeUndefined();
  });
});
