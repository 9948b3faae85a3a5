import { describe, expect, it } from 'vitest';
import { asTenantId, asUserId } from '../../lambdas/core/ids';
import type { User } from '../../lambdas/core/identity/user';
import { accountIdOf, claimsOf, MAX_GROUPS_CLAIM, parseAccountId } from '../../lambdas/oidc/account';

const user: User = {
  tenantId: asTenantId('tabcdefghjkmn'),
  id: asUserId('9b2f1f9e-1c1e-4a57-9d3e-2f1f9e1c1e4a'),
  userName: 'lin@example.com',
  active: true,
  name: { givenName: 'Lin', familyName: 'Okafor' },
  emails: [{ value: 'lin@example.com', primary: true }],
  profile: {},
  source: 'scim',
  isAdmin: false,
  createdAt: '2026-01-01T00:00:00Z',
  updatedAt: '2026-01-01T00:00:00Z',
  version: 1,
};

describe('ID token claims', () => {
  it('sub is <tenantId>.<userId> and reads back; anything else is no account', () => {
    const sub = accountIdOf(user.tenantId, user.id);
    expect(sub).toBe('tabcdefghjkmn.9b2f1f9e-1c1e-4a57-9d3e-2f1f9e1c1e4a');
    expect(parseAccountId(sub)).toEqual({ tenantId: user.tenantId, userId: user.id });
    for (const bad of ['', 'nodot', 'TABC.x', 'tabcdefghjkmn.', `tabcdefghjkmn.${'x'.repeat(300)}`]) expect(parseAccountId(bad)).toBeUndefined();
  });

  it(`holds at most ${MAX_GROUPS_CLAIM} groups and says when it left some out`, () => {
    const names = Array.from({ length: 150 }, (_, i) => `group-${String(i).padStart(3, '0')}`);
    const many = claimsOf(user, accountIdOf(user.tenantId, user.id), names);
    expect(many.groups).toHaveLength(MAX_GROUPS_CLAIM);
    expect(many.groups_truncated).toBe(true);
    const few = claimsOf(user, 'x', ['a', 'b']);
    expect(few).toMatchObject({ groups: ['a', 'b'], email: 'lin@example.com', email_verified: true, name: 'Lin Okafor', given_name: 'Lin', family_name: 'Okafor', tenant_id: user.tenantId });
    expect(few.groups_truncated).toBeUndefined();
  });
});
