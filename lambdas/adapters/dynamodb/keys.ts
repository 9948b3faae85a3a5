import type { ActivityCategory } from '../../core/activity/events';
import type { GroupId, TenantId, UserId } from '../../core/ids';
import { normaliseEmail, normaliseUserName } from '../../core/identity/user';
import { normaliseDomain } from '../../core/tenancy/tenant';

/**
 * The single-table key grammar: the ONLY module that builds pk/sk/gsi1 strings
 * (docs/data-model.md lists every pattern). Values embedded in keys are percent-encoded so that a
 * '#' inside a userName, externalId or email can never be read as a separator; values compared
 * case-insensitively are lowercased first.
 */

export interface TableKey {
  readonly pk: string;
  readonly sk: string;
}
export interface Gsi1Key {
  readonly gsi1pk: string;
  readonly gsi1sk: string;
}

const enc = (value: string): string => encodeURIComponent(value);
const tenantPk = (tenantId: TenantId): string => `TENANT#${enc(tenantId)}`;

export const GSI1 = 'gsi1';

/** Prefixes shared by builders and the queries/cursor checks that walk them. */
export const prefixes = {
  user: 'USER#',
  group: 'GROUP#',
  member: 'MEMBER#',
  replaceChunk: 'REPLACE#',
  scimToken: 'SCIMTOKEN#',
  event: 'EVT#',
  tenantPk: 'TENANT#',
} as const;

export const keys = {
  tenant: (tenantId: TenantId): TableKey => ({ pk: tenantPk(tenantId), sk: 'TENANT' }),
  /** Operator listing, oldest first: ISO timestamps sort as strings. */
  tenantListEntry: (tenantId: TenantId, createdAt: string): Gsi1Key => ({ gsi1pk: 'TENANTS', gsi1sk: `${createdAt}#${enc(tenantId)}` }),
  tenantListPartition: 'TENANTS',
  /** One item per claimed email domain: the atomic "one domain, one tenant" guard and the sign-in lookup. */
  domainGuard: (domain: string): TableKey => ({ pk: `DOMAIN#${enc(normaliseDomain(domain))}`, sk: 'DOMAIN' }),

  counters: (tenantId: TenantId): TableKey => ({ pk: tenantPk(tenantId), sk: 'COUNTERS' }),

  scimToken: (tenantId: TenantId, tokenId: string): TableKey => ({ pk: tenantPk(tenantId), sk: `${prefixes.scimToken}${enc(tokenId)}` }),
  scimTokenPartition: tenantPk,

  userPartition: tenantPk,
  user: (tenantId: TenantId, userId: UserId): TableKey => ({ pk: tenantPk(tenantId), sk: `${prefixes.user}${enc(userId)}` }),
  userNameGuard: (tenantId: TenantId, userName: string): TableKey => ({
    pk: tenantPk(tenantId),
    sk: `USERNAME#${enc(normaliseUserName(userName))}`,
  }),
  // externalId is caseExact (RFC 7643 §3.1): not lowercased.
  userExternalIdPrefix: (externalId: string): string => `IDX#EXT#${enc(externalId)}#`,
  userExternalIdIndex: (tenantId: TenantId, externalId: string, userId: UserId): TableKey => ({
    pk: tenantPk(tenantId),
    sk: `${keys.userExternalIdPrefix(externalId)}${enc(userId)}`,
  }),
  userEmailPrefix: (email: string): string => `IDX#EMAIL#${enc(normaliseEmail(email))}#`,
  userEmailIndex: (tenantId: TenantId, email: string, userId: UserId): TableKey => ({
    pk: tenantPk(tenantId),
    sk: `${keys.userEmailPrefix(email)}${enc(userId)}`,
  }),

  groupPartition: tenantPk,
  group: (tenantId: TenantId, groupId: GroupId): TableKey => ({ pk: tenantPk(tenantId), sk: `${prefixes.group}${enc(groupId)}` }),
  groupNamePrefix: (displayName: string): string => `IDX#GNAME#${enc(displayName.trim().toLowerCase())}#`,
  groupNameIndex: (tenantId: TenantId, displayName: string, groupId: GroupId): TableKey => ({
    pk: tenantPk(tenantId),
    sk: `${keys.groupNamePrefix(displayName)}${enc(groupId)}`,
  }),
  groupExternalIdPrefix: (externalId: string): string => `IDX#GEXT#${enc(externalId)}#`,
  groupExternalIdIndex: (tenantId: TenantId, externalId: string, groupId: GroupId): TableKey => ({
    pk: tenantPk(tenantId),
    sk: `${keys.groupExternalIdPrefix(externalId)}${enc(groupId)}`,
  }),

  /** Members of one group live in their own partition, so a group is never one (or a few) big item(s). */
  membershipPartition: (tenantId: TenantId, groupId: GroupId): string => `${tenantPk(tenantId)}#GROUP#${enc(groupId)}`,
  membership: (tenantId: TenantId, groupId: GroupId, userId: UserId): TableKey => ({
    pk: keys.membershipPartition(tenantId, groupId),
    sk: `${prefixes.member}${enc(userId)}`,
  }),
  /**
   * A membership's inverse, a base-table item written in the same transaction as the membership:
   * a user's groups read with a consistent Query (a GSI could only be read eventually consistently).
   */
  userGroupsPartition: (tenantId: TenantId, userId: UserId): string => `${tenantPk(tenantId)}#USER#${enc(userId)}#GROUPS`,
  userGroupEntry: (tenantId: TenantId, userId: UserId, groupId: GroupId): TableKey => ({
    pk: keys.userGroupsPartition(tenantId, userId),
    sk: `${prefixes.group}${enc(groupId)}`,
  }),

  /** Work left after a request: memberships of a deleted group or user still to remove. */
  purgePartition: 'PURGE',
  groupPurge: (tenantId: TenantId, groupId: GroupId): TableKey => ({ pk: 'PURGE', sk: `GROUP#${enc(tenantId)}#${enc(groupId)}` }),
  userPurge: (tenantId: TenantId, userId: UserId): TableKey => ({ pk: 'PURGE', sk: `USER#${enc(tenantId)}#${enc(userId)}` }),
  /** A full replace of members finishing in the background: at most one per group (a newer one overwrites it). */
  replaceJob: (tenantId: TenantId, groupId: GroupId): TableKey => ({ pk: 'PURGE', sk: `REPLACE#${enc(tenantId)}#${enc(groupId)}` }),
  /** The job's desired members, in parts, beside the memberships (a group delete's purge removes them too). */
  replaceChunkPrefix: (jobId?: string): string => (jobId === undefined ? prefixes.replaceChunk : `${prefixes.replaceChunk}${enc(jobId)}#`),
  replaceChunk: (tenantId: TenantId, groupId: GroupId, jobId: string, index: number): TableKey => ({
    pk: keys.membershipPartition(tenantId, groupId),
    sk: `${keys.replaceChunkPrefix(jobId)}${String(index).padStart(4, '0')}`,
  }),

  session: (sessionHash: string): TableKey => ({ pk: `SESSION#${enc(sessionHash)}`, sk: 'SESSION' }),
  /**
   * A session's entry under its user, a base-table item written with the session: a user's sessions
   * read with a consistent Query, so "revoke all" never misses one created a moment before.
   */
  userSessionsPartition: (tenantId: TenantId, userId: UserId): string => `${tenantPk(tenantId)}#USER#${enc(userId)}#SESSIONS`,
  userSessionEntry: (tenantId: TenantId, userId: UserId, sessionHash: string): TableKey => ({
    pk: keys.userSessionsPartition(tenantId, userId),
    sk: `SESSION#${enc(sessionHash)}`,
  }),

  ephemeral: (key: string): TableKey => ({ pk: `EPH#${enc(key)}`, sk: 'EPH' }),

  /** An oidc-provider artefact (Session, Interaction, AuthorizationCode, AccessToken, Grant, …) by its ID. */
  oidcModel: (model: string, id: string): TableKey => ({ pk: `OIDC#${enc(model)}#${enc(id)}`, sk: 'OIDC' }),
  /** A session's `uid` pointing at its ID (oidc-provider's findByUid), written with the session. */
  oidcSessionUid: (uid: string): TableKey => ({ pk: `OIDC#SessionUid#${enc(uid)}`, sk: 'OIDC' }),
  /** Every token of one grant in its own partition: revokeByGrantId reads it consistently (no GSI). */
  oidcGrantPartition: (grantId: string): string => `OIDC#GRANT#${enc(grantId)}`,
  oidcGrantEntry: (grantId: string, model: string, id: string): TableKey => ({ pk: keys.oidcGrantPartition(grantId), sk: `${enc(model)}#${enc(id)}` }),
  /** Marks a revoked grant: no token of it may be stored after (a code exchanged twice, even at once). */
  oidcGrantRevoked: (grantId: string): TableKey => ({ pk: keys.oidcGrantPartition(grantId), sk: 'REVOKED' }),
  /** The product's apps (OIDC clients), stack-wide: one small partition listed with a consistent Query. */
  appPartition: 'APPS',
  app: (clientId: string): TableKey => ({ pk: 'APPS', sk: `APP#${enc(clientId)}` }),

  eventPartition: (tenantId: TenantId): string => `${tenantPk(tenantId)}#EVENTS`,
  eventCategoryPartition: (tenantId: TenantId, category: ActivityCategory): string => `${tenantPk(tenantId)}#EVENTS#${enc(category)}`,
  event: (tenantId: TenantId, at: string, eventId: string): TableKey => ({
    pk: keys.eventPartition(tenantId),
    sk: `${prefixes.event}${at}#${enc(eventId)}`,
  }),
  eventOfCategory: (tenantId: TenantId, category: ActivityCategory, at: string, eventId: string): Gsi1Key => ({
    gsi1pk: keys.eventCategoryPartition(tenantId, category),
    gsi1sk: `${prefixes.event}${at}#${enc(eventId)}`,
  }),
};

/** Deduplicates keys of one partition by sort key (a transaction may not touch an item twice). */
export function uniqueKeys(list: TableKey[]): TableKey[] {
  return [...new Map(list.map((key) => [key.sk, key])).values()];
}

/** Which lookup entries a write adds and removes. */
export function diffKeys(before: TableKey[], after: TableKey[]): { added: TableKey[]; removed: TableKey[] } {
  const beforeSks = new Set(before.map((key) => key.sk));
  const afterSks = new Set(after.map((key) => key.sk));
  return { added: after.filter((key) => !beforeSks.has(key.sk)), removed: before.filter((key) => !afterSks.has(key.sk)) };
}
