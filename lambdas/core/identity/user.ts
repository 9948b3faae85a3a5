import type { TenantId, UserId } from '../ids';

export interface PersonName {
  readonly formatted?: string;
  readonly givenName?: string;
  readonly familyName?: string;
  readonly middleName?: string;
  readonly honorificPrefix?: string;
  readonly honorificSuffix?: string;
}

export interface Email {
  readonly value: string;
  readonly type?: string;
  readonly primary?: boolean;
  readonly display?: string;
}

/** Who created or last owns the user's profile: SCIM (the IdP is the source of truth) or JIT login. */
export type UserSource = 'scim' | 'jit';

export interface User {
  readonly tenantId: TenantId;
  readonly id: UserId;
  /** Unique per tenant, compared case-insensitively (RFC 7643 §4.1.1). */
  readonly userName: string;
  readonly externalId?: string;
  readonly active: boolean;
  readonly displayName?: string;
  readonly name?: PersonName;
  readonly emails: Email[];
  /**
   * Every other attribute a SCIM client sent (phoneNumbers, title, the enterprise extension,
   * attributes we do not know), kept verbatim so that a GET returns what was PUT.
   */
  readonly profile: Record<string, unknown>;
  readonly source: UserSource;
  /** May sign in to the tenant's admin console. */
  readonly isAdmin: boolean;
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly version: number;
}

export const normaliseUserName = (userName: string): string => userName.trim().toLowerCase();
export const normaliseEmail = (email: string): string => email.trim().toLowerCase();

/** The address we sign in and notify with: the primary email, else the first, else a userName that looks like one. */
export function primaryEmail(user: Pick<User, 'emails' | 'userName'>): string | undefined {
  const chosen = user.emails.find((email) => email.primary) ?? user.emails[0];
  if (chosen) return chosen.value;
  return user.userName.includes('@') ? user.userName : undefined;
}

export function displayNameOf(user: Pick<User, 'displayName' | 'name' | 'userName'>): string {
  if (user.displayName) return user.displayName;
  if (user.name?.formatted) return user.name.formatted;
  const parts = [user.name?.givenName, user.name?.familyName].filter(Boolean);
  return parts.length > 0 ? parts.join(' ') : user.userName;
}
