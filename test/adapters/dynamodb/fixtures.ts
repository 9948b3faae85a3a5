import type { Group } from '../../../lambdas/core/identity/group';
import type { User } from '../../../lambdas/core/identity/user';
import { asGroupId, asTenantId, asUserId, newResourceId, type TenantId } from '../../../lambdas/core/ids';
import { DEFAULT_SSO_SETTINGS, type Tenant } from '../../../lambdas/core/tenancy/tenant';

const AT = '2025-01-01T00:00:00.000Z';
let tenantSeq = 0;

/** A tenant id that no other test in the file shares (each test gets its own tenant). */
export function freshTenantId(): TenantId {
  tenantSeq += 1;
  return asTenantId(`t${String(tenantSeq).padStart(4, '0')}${Math.random().toString(36).slice(2, 10)}`);
}

export function aTenant(overrides: Partial<Tenant> = {}): Tenant {
  return {
    id: freshTenantId(),
    name: 'Acme',
    plan: 'trial',
    domains: [],
    sso: DEFAULT_SSO_SETTINGS,
    scim: { enabled: false },
    createdAt: AT,
    updatedAt: AT,
    version: 1,
    ...overrides,
  };
}

export function aUser(tenantId: TenantId, overrides: Partial<User> = {}): User {
  return {
    tenantId,
    id: asUserId(newResourceId()),
    userName: `user-${Math.random().toString(36).slice(2, 10)}@example.com`,
    active: true,
    emails: [],
    profile: {},
    source: 'scim',
    isAdmin: false,
    createdAt: AT,
    updatedAt: AT,
    version: 1,
    ...overrides,
  };
}

export function aGroup(tenantId: TenantId, overrides: Partial<Group> = {}): Group {
  return {
    tenantId,
    id: asGroupId(newResourceId()),
    displayName: `Group ${Math.random().toString(36).slice(2, 8)}`,
    profile: {},
    memberCount: 0,
    createdAt: AT,
    updatedAt: AT,
    version: 1,
    ...overrides,
  };
}

/** Settles every promise and sorts the outcomes: how many won, and the errors of the losers. */
export async function race<T>(attempts: Promise<T>[]): Promise<{ won: T[]; errors: unknown[] }> {
  const settled = await Promise.allSettled(attempts);
  return {
    won: settled.flatMap((outcome) => (outcome.status === 'fulfilled' ? [outcome.value] : [])),
    errors: settled.flatMap((outcome) => (outcome.status === 'rejected' ? [outcome.reason] : [])),
  };
}
