import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { ConflictError, NotFoundError, PreconditionFailedError } from '../../core/errors';
import type { Group } from '../../core/identity/group';
import type { GroupRepository, ReplaceProgress } from '../../core/identity/ports';
import type { GroupId, TenantId, UserId } from '../../core/ids';
import type { Page, PageRequest } from '../../core/paging';
import { items } from './items';
import { diffKeys, keys, prefixes, uniqueKeys, type TableKey } from './keys';
import { DynamoMemberReplaceJobs } from './member-replace-jobs';
import { INLINE_PURGE_BUDGET, type DynamoMemberships, type PurgeReport } from './memberships';
import {
  ConditionsFailed,
  batchGet,
  countersUpdate,
  del,
  mustNotExist,
  put,
  queryPage,
  transactWrite,
  update,
  versionIs,
  type DynamoContext,
  type TransactItem,
  findThroughIndex,
} from './operations';
import { assertNextVersion } from './versions';
import { currentChange } from '../../core/events/change-context';
import { eventsOf, outboxPuts } from './outbox';

export class DynamoGroupRepository implements GroupRepository {
  private readonly replaceJobs: DynamoMemberReplaceJobs;

  constructor(
    private readonly ctx: DynamoContext,
    private readonly memberships: DynamoMemberships,
  ) {
    this.replaceJobs = new DynamoMemberReplaceJobs(ctx, memberships);
  }

  async create(group: Group): Promise<void> {
    // Members arrive through addMembers, which keeps the count: a new group starts empty.
    const stored: Group = { ...group, memberCount: 0 };
    const writes: TransactItem[] = [
      put(this.ctx, items.group.encode(stored), mustNotExist),
      countersUpdate(this.ctx, group.tenantId, 'groups', 1),
      ...lookupEntries(group).map((key) => put(this.ctx, items.groupIndex.encode(key, group.id))),
      ...outboxPuts(this.ctx, [eventsOf(this.ctx).groupCreated(stored, currentChange())]),
    ];
    try {
      await transactWrite(this.ctx, writes);
    } catch (error) {
      if (error instanceof ConditionsFailed) throw new ConflictError(`group ${group.id} already exists`, { cause: error });
      throw error;
    }
  }

  /** Consistent: callers decide writes on it (existence before a PATCH, the version an If-Match is checked against, the ETag returned). */
  async get(tenantId: TenantId, groupId: GroupId): Promise<Group | undefined> {
    return this.read(tenantId, groupId);
  }

  async findByDisplayName(tenantId: TenantId, displayName: string): Promise<Group[]> {
    return this.findByIndexPrefix(tenantId, keys.groupNamePrefix(displayName));
  }

  async findByExternalId(tenantId: TenantId, externalId: string): Promise<Group[]> {
    return this.findByIndexPrefix(tenantId, keys.groupExternalIdPrefix(externalId));
  }

  /**
   * Writes the group's own attributes (displayName, externalId, profile). memberCount is not taken
   * from `group`: only membership writes change it, so a replace can never overwrite a count.
   */
  async replace(group: Group, expectedVersion: number): Promise<void> {
    assertNextVersion('group', group.version, expectedVersion);
    const current = await this.read(group.tenantId, group.id);
    if (!current) throw new NotFoundError(`group ${group.id} does not exist`);
    if (current.version !== expectedVersion) throw stale(group.id, expectedVersion, current.version);

    const set = ['displayName = :displayName', 'profile = :profile', 'updatedAt = :updatedAt', '#version = :version'];
    const values: Record<string, unknown> = {
      ':displayName': group.displayName,
      ':profile': group.profile,
      ':updatedAt': group.updatedAt,
      ':version': group.version,
    };
    if (group.externalId !== undefined) {
      set.push('externalId = :externalId');
      values[':externalId'] = group.externalId;
    }
    const updateExpression = `SET ${set.join(', ')}${group.externalId === undefined ? ' REMOVE externalId' : ''}`;
    const condition = versionIs(expectedVersion);
    const { added, removed } = diffKeys(lookupEntries(current), lookupEntries(group));
    const writes: TransactItem[] = [
      update(this.ctx, keys.group(group.tenantId, group.id), updateExpression, values, { ...condition, expression: `attribute_exists(pk) AND ${condition.expression}` }),
      ...added.map((key) => put(this.ctx, items.groupIndex.encode(key, group.id))),
      ...removed.map((key) => del(this.ctx, key)),
      ...outboxPuts(this.ctx, eventsOf(this.ctx).groupReplaced(current, group, currentChange())),
    ];
    try {
      await transactWrite(this.ctx, writes);
    } catch (error) {
      if (!(error instanceof ConditionsFailed)) throw error;
      const now = await this.read(group.tenantId, group.id);
      if (!now) throw new NotFoundError(`group ${group.id} does not exist`, { cause: error });
      throw stale(group.id, expectedVersion, now.version);
    }
  }

  async delete(tenantId: TenantId, groupId: GroupId): Promise<void> {
    // Conditioned on the version read, so that the lookup entries deleted are the current ones.
    for (let attempt = 0; ; attempt++) {
      const current = await this.read(tenantId, groupId);
      if (!current) throw new NotFoundError(`group ${groupId} does not exist`);
      const writes: TransactItem[] = [
        del(this.ctx, keys.group(tenantId, groupId), versionIs(current.version)),
        countersUpdate(this.ctx, tenantId, 'groups', -1),
        ...lookupEntries(current).map((key) => del(this.ctx, key)),
        // The group vanishes now; its memberships may outlive this request, so the purge is recorded in the same step.
        put(this.ctx, items.purge.encode('group', tenantId, groupId, this.ctx.clock.now().toISOString())),
        ...outboxPuts(this.ctx, [eventsOf(this.ctx).groupDeleted(current, currentChange())]),
      ];
      try {
        await transactWrite(this.ctx, writes);
        break;
      } catch (error) {
        // A membership change bumped the version between our read and write: read again.
        if (!(error instanceof ConditionsFailed) || attempt >= 5) throw error;
      }
    }
    await this.memberships.purgeGroup(tenantId, groupId, INLINE_PURGE_BUDGET);
  }

  async list(tenantId: TenantId, page: PageRequest): Promise<Page<Group>> {
    const partition = keys.groupPartition(tenantId);
    return queryPage(
      this.ctx,
      {
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
        ExpressionAttributeValues: { ':pk': partition, ':prefix': prefixes.group },
        // Consistent: SCIM filters without an index are answered from this listing, and an IdP decides
        // from a filter whether to create (a stale miss would make it create a duplicate).
        ConsistentRead: true,
      },
      page,
      { attributes: ['pk', 'sk'], fixed: { pk: partition }, prefixed: { sk: prefixes.group } },
      items.group.decode,
    );
  }

  async count(tenantId: TenantId): Promise<number> {
    const result = await this.ctx.db.send(new GetCommand({ TableName: this.ctx.tableName, Key: keys.counters(tenantId), ConsistentRead: true }));
    return items.counters.decode(result.Item).groups;
  }

  addMembers(tenantId: TenantId, groupId: GroupId, userIds: UserId[]): Promise<number> {
    return this.memberships.add(tenantId, groupId, userIds);
  }

  removeMembers(tenantId: TenantId, groupId: GroupId, userIds: UserId[]): Promise<number> {
    return this.memberships.remove(tenantId, groupId, userIds);
  }

  membersAmong(tenantId: TenantId, groupId: GroupId, userIds: UserId[]): Promise<UserId[]> {
    return this.memberships.membersAmong(tenantId, groupId, userIds);
  }

  async listMembers(tenantId: TenantId, groupId: GroupId, page: PageRequest): Promise<Page<UserId>> {
    // A deleted group's memberships may not be purged yet: they must not show.
    if (!(await this.read(tenantId, groupId))) throw new NotFoundError(`group ${groupId} does not exist`);
    return this.memberships.list(tenantId, groupId, page);
  }

  async groupsOfUser(tenantId: TenantId, userId: UserId): Promise<Group[]> {
    const groupIds = await this.memberships.groupIdsOfUser(tenantId, userId);
    if (groupIds.length === 0) return [];
    // Groups deleted but not yet purged are simply not found here (consistent: not even a moment after the delete).
    const found = await batchGet(
      this.ctx,
      groupIds.map((groupId) => keys.group(tenantId, groupId)),
      true,
    );
    return found.map(items.group.decode).sort((a, b) => a.id.localeCompare(b.id));
  }

  startMemberReplace(tenantId: TenantId, groupId: GroupId, desired: UserId[]): Promise<void> {
    return this.replaceJobs.start(tenantId, groupId, desired);
  }

  continueMemberReplace(tenantId: TenantId, groupId: GroupId, maxItems: number): Promise<ReplaceProgress> {
    return this.replaceJobs.continue(tenantId, groupId, maxItems);
  }

  cancelMemberReplace(tenantId: TenantId, groupId: GroupId): Promise<void> {
    return this.replaceJobs.cancel(tenantId, groupId);
  }

  memberReplacePending(tenantId: TenantId, groupId: GroupId): Promise<boolean> {
    return this.replaceJobs.pending(tenantId, groupId);
  }

  touchMembers(tenantId: TenantId, groupId: GroupId, userIds: UserId[]): Promise<void> {
    return this.memberships.touch(tenantId, groupId, userIds);
  }

  /** Finishes membership purges left by deletes and background replaces (see DynamoMemberships.purgePending). */
  purgePendingGroupMemberships(maxItems: number): Promise<PurgeReport> {
    return this.memberships.purgePending(maxItems, (tenantId, groupId, budget) => this.replaceJobs.continue(tenantId, groupId, budget));
  }

  private async read(tenantId: TenantId, groupId: GroupId): Promise<Group | undefined> {
    const result = await this.ctx.db.send(new GetCommand({ TableName: this.ctx.tableName, Key: keys.group(tenantId, groupId), ConsistentRead: true }));
    return result.Item ? items.group.decode(result.Item) : undefined;
  }

  private findByIndexPrefix(tenantId: TenantId, prefix: string): Promise<Group[]> {
    return findThroughIndex(
      this.ctx,
      { partition: keys.groupPartition(tenantId), prefix },
      (entry) => keys.group(tenantId, items.groupIndex.decode(entry)),
      items.group.decode,
    );
  }
}

function lookupEntries(group: Group): TableKey[] {
  const entries: TableKey[] = [keys.groupNameIndex(group.tenantId, group.displayName, group.id)];
  if (group.externalId !== undefined && group.externalId !== '') entries.push(keys.groupExternalIdIndex(group.tenantId, group.externalId, group.id));
  return uniqueKeys(entries);
}

const stale = (groupId: GroupId, expected: number, actual: number) =>
  new PreconditionFailedError(`group ${groupId} changed meanwhile (version ${actual}, the update was based on ${expected}); reload and retry`);
