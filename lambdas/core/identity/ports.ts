import type { GroupId, TenantId, UserId } from '../ids';
import type { Page, PageRequest } from '../paging';
import type { Group } from './group';
import type { User } from './user';

/**
 * Persists the users of a tenant. userName is unique per tenant, case-insensitively, enforced
 * atomically: create/replace throw ConflictError on a taken userName. The per-tenant user count
 * is kept in the same transactions.
 */
export interface UserRepository {
  create(user: User): Promise<void>;
  get(tenantId: TenantId, userId: UserId): Promise<User | undefined>;
  getMany(tenantId: TenantId, userIds: UserId[]): Promise<User[]>;
  findByUserName(tenantId: TenantId, userName: string): Promise<User | undefined>;
  findByExternalId(tenantId: TenantId, externalId: string): Promise<User[]>;
  /** Any of the user's emails, case-insensitively. */
  findByEmail(tenantId: TenantId, email: string): Promise<User[]>;
  /** Writes `user` (version must be expectedVersion + 1); PreconditionFailedError when stale. */
  replace(user: User, expectedVersion: number): Promise<void>;
  /** Removes the user, its lookup entries and its memberships (decrementing group counts). */
  delete(tenantId: TenantId, userId: UserId): Promise<void>;
  /** Stable order (by id); each page costs about one page of reads. */
  list(tenantId: TenantId, page: PageRequest): Promise<Page<User>>;
  count(tenantId: TenantId): Promise<number>;
}

/**
 * Persists groups and memberships. A membership is its own item: changing one member never reads
 * or rewrites the others, and a user's groups are found without scanning groups.
 */
export interface GroupRepository {
  create(group: Group): Promise<void>;
  get(tenantId: TenantId, groupId: GroupId): Promise<Group | undefined>;
  findByDisplayName(tenantId: TenantId, displayName: string): Promise<Group[]>;
  findByExternalId(tenantId: TenantId, externalId: string): Promise<Group[]>;
  replace(group: Group, expectedVersion: number): Promise<void>;
  /** The group disappears at once; its memberships are purged (possibly after the call returns). */
  delete(tenantId: TenantId, groupId: GroupId): Promise<void>;
  list(tenantId: TenantId, page: PageRequest): Promise<Page<Group>>;
  count(tenantId: TenantId): Promise<number>;

  /** Idempotent; returns how many were not members before. Keeps memberCount exact. */
  addMembers(tenantId: TenantId, groupId: GroupId, userIds: UserId[]): Promise<number>;
  /** Idempotent; returns how many were members before. */
  removeMembers(tenantId: TenantId, groupId: GroupId, userIds: UserId[]): Promise<number>;
  /** Which of `userIds` are members (without reading the rest of the group). */
  membersAmong(tenantId: TenantId, groupId: GroupId, userIds: UserId[]): Promise<UserId[]>;
  listMembers(tenantId: TenantId, groupId: GroupId, page: PageRequest): Promise<Page<UserId>>;
  groupsOfUser(tenantId: TenantId, userId: UserId): Promise<Group[]>;

  /**
   * A full replace too large for one request: `desired` becomes the group's membership in the background.
   * Members not desired and added before this call are removed; later additions stay. Supersedes a pending one.
   */
  startMemberReplace(tenantId: TenantId, groupId: GroupId, desired: UserId[]): Promise<void>;
  /** Continues the group's pending replace, examining at most `maxItems` memberships; `pending` false once none is left. */
  continueMemberReplace(tenantId: TenantId, groupId: GroupId, maxItems: number): Promise<ReplaceProgress>;
  /** Drops the group's pending replace, if any: a replace done inline decides the membership by itself. */
  cancelMemberReplace(tenantId: TenantId, groupId: GroupId): Promise<void>;
  memberReplacePending(tenantId: TenantId, groupId: GroupId): Promise<boolean>;
  /** Marks these existing members as added now, so a pending replace keeps them (an add that found them already there). */
  touchMembers(tenantId: TenantId, groupId: GroupId, userIds: UserId[]): Promise<void>;
}

/** How far a background full replace of a group's members got in one step. */
export interface ReplaceProgress {
  readonly removed: number;
  readonly examined: number;
  /** True while the group still has a replace job (this one unfinished, or a newer one). */
  readonly pending: boolean;
}
