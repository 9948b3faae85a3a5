import { asTenantId, asUserId, TENANT_ID_PATTERN, type TenantId, type UserId } from '../core/ids';
import type { GroupRepository, UserRepository } from '../core/identity/ports';
import { displayNameOf, primaryEmail, type User } from '../core/identity/user';

/**
 * `sub` (and oidc-provider's accountId) is `<tenantId>.<userId>`: stable for the user's lifetime, unique
 * across tenants (the tenant ID is its prefix), and never reused (user IDs are random UUIDs we never reissue).
 */
export const accountIdOf = (tenantId: TenantId, userId: UserId): string => `${tenantId}.${userId}`;

export function parseAccountId(accountId: string): { tenantId: TenantId; userId: UserId } | undefined {
  const dot = accountId.indexOf('.');
  const tenantId = accountId.slice(0, dot);
  const userId = accountId.slice(dot + 1);
  if (dot < 0 || !TENANT_ID_PATTERN.test(tenantId) || userId.length === 0 || userId.length > 200) return undefined;
  return { tenantId: asTenantId(tenantId), userId: asUserId(userId) };
}

/**
 * At most this many group names go into `groups` (alphabetical). A member of more gets the first 100 and
 * `groups_truncated: true`; the app reads the full membership from directory events (or SCIM) instead.
 */
export const MAX_GROUPS_CLAIM = 100;

/** The claims scopes release (oidc-provider's `claims` configuration). `tenant_id` comes with `openid`. */
export const CLAIMS_BY_SCOPE = {
  openid: ['sub', 'tenant_id'],
  email: ['email', 'email_verified'],
  profile: ['name', 'given_name', 'family_name'],
  groups: ['groups', 'groups_truncated'],
} as const;

export interface AccountDeps {
  readonly users: UserRepository;
  readonly groups: GroupRepository;
}

/**
 * An active user as oidc-provider's account: the user is read at once (unknown or deactivated: undefined, so no
 * code, token or userinfo), the groups only when claims are asked for (the token and userinfo endpoints; the
 * authorize request needs none).
 */
export async function activeAccount(deps: AccountDeps, accountId: string): Promise<{ user: User; claims: () => Promise<Record<string, unknown>> } | undefined> {
  const ids = parseAccountId(accountId);
  if (!ids) return undefined;
  const user = await deps.users.get(ids.tenantId, ids.userId);
  if (!user || !user.active) return undefined;
  const claims = async () => {
    const names = (await deps.groups.groupsOfUser(ids.tenantId, ids.userId)).map((group) => group.displayName).sort((a, b) => a.localeCompare(b));
    return claimsOf(user, accountId, names);
  };
  return { user, claims };
}

export function claimsOf(user: User, accountId: string, groupNames: readonly string[]): Record<string, unknown> {
  const email = primaryEmail(user);
  return {
    sub: accountId,
    tenant_id: user.tenantId,
    // The tenant's IdP asserted (or SCIM provisioned) the address; we do not verify mailboxes ourselves.
    ...(email ? { email, email_verified: true } : {}),
    name: displayNameOf(user),
    ...(user.name?.givenName ? { given_name: user.name.givenName } : {}),
    ...(user.name?.familyName ? { family_name: user.name.familyName } : {}),
    groups: groupNames.slice(0, MAX_GROUPS_CLAIM),
    ...(groupNames.length > MAX_GROUPS_CLAIM ? { groups_truncated: true } : {}),
  };
}
