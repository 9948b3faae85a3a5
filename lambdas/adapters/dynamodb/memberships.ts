import { DeleteCommand, GetCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { currentChange } from '../../core/events/change-context';
import { eventsOf, outboxPuts } from './outbox';
import { NotFoundError, TooManyRequestsError } from '../../core/errors';
import type { GroupId, TenantId, UserId } from '../../core/ids';
import type { Page, PageRequest } from '../../core/paging';
import { items } from './items';
import { keys, prefixes, type TableKey } from './keys';
import type { ReplaceProgress } from '../../core/identity/ports';
import {
  ConditionsFailed,
  MAX_TRANSACT_ITEMS,
  batchDelete,
  batchGet,
  chunk,
  isConditionalCheckFailed,
  del,
  jitteredBackoff,
  mustExist,
  mustNotExist,
  put,
  queryAll,
  queryPage,
  transactWrite,
  update,
  type Condition,
  type DynamoContext,
  type TransactItem,
} from './operations';

/** Memberships written per transaction: two items each (membership and its user-side entry), plus the group's count update, a replace job's check and the event. */
const MEMBERSHIPS_PER_TRANSACTION = Math.floor((MAX_TRANSACT_ITEMS - 3) / 2);
/** A chunk whose members moved under us (a concurrent add/remove) is re-read and retried. */
const MAX_CHUNK_ATTEMPTS = 12;
/** Memberships a group delete removes before answering; the rest is left to purgePendingGroupMemberships. */
// 990 keeps a DELETE's reads (group item, index items, then membership keys) within the 1,000-items-per-request
// bound; the user-side entries deleted with them are derived from the keys read, not read themselves.
export const INLINE_PURGE_BUDGET = 990;
/** Users' group memberships removed in parallel on user delete. */
const USER_CLEANUP_CONCURRENCY = 8;

/** What a background replace's removals must respect: its marker still names this job, and younger memberships stay. */
export interface ReplaceGuard {
  readonly markerKey: TableKey;
  readonly jobId: string;
  readonly startedAt: string;
}

/** The replace job was superseded (a newer replace) or cancelled while it ran: its removals stop. */
export class ReplaceJobSuperseded extends Error {}

/** Continues one background replace, examining at most `maxItems` memberships. */
export type ReplaceContinuation = (tenantId: TenantId, groupId: GroupId, maxItems: number) => Promise<ReplaceProgress>;

export interface PurgeReport {
  readonly membershipsRemoved: number;
  /** Deleted groups and users whose memberships are now all gone, and background replaces completed. */
  readonly purgesFinished: number;
  /** True when work is left for a next call. */
  readonly morePending: boolean;
}

/**
 * Membership items (one per user per group) and the group's memberCount, always changed together.
 * Every operation costs in proportion to the members it names, never to the size of the group.
 */
export class DynamoMemberships {
  constructor(private readonly ctx: DynamoContext) {}

  async add(tenantId: TenantId, groupId: GroupId, userIds: UserId[]): Promise<number> {
    let added = 0;
    for (const part of chunk([...new Set(userIds)], MEMBERSHIPS_PER_TRANSACTION)) {
      added += await this.changeChunk(tenantId, groupId, part, 'add');
    }
    return added;
  }

  async remove(tenantId: TenantId, groupId: GroupId, userIds: UserId[], guard?: ReplaceGuard): Promise<number> {
    let removed = 0;
    for (const part of chunk([...new Set(userIds)], MEMBERSHIPS_PER_TRANSACTION)) {
      removed += await this.changeChunk(tenantId, groupId, part, 'remove', guard);
    }
    return removed;
  }

  /** Marks existing memberships as (re)added now, so that a pending background replace spares them. */
  async touch(tenantId: TenantId, groupId: GroupId, userIds: UserId[]): Promise<void> {
    const now = this.ctx.clock.now().toISOString();
    for (const part of chunk([...new Set(userIds)], USER_CLEANUP_CONCURRENCY)) {
      await Promise.all(
        part.map(async (userId) => {
          try {
            await this.ctx.db.send(
              new UpdateCommand({ TableName: this.ctx.tableName, Key: keys.membership(tenantId, groupId, userId), UpdateExpression: 'SET addedAt = :now', ConditionExpression: 'attribute_exists(pk)', ExpressionAttributeValues: { ':now': now } }),
            );
          } catch (error) {
            if (!isConditionalCheckFailed(error)) throw error; // not a member: nothing to spare
          }
        }),
      );
    }
  }

  async membersAmong(tenantId: TenantId, groupId: GroupId, userIds: UserId[]): Promise<UserId[]> {
    const found = await batchGet(
      this.ctx,
      userIds.map((userId) => keys.membership(tenantId, groupId, userId)),
      true,
    );
    const members = new Set(found.map((item) => items.membership.decode(item).userId));
    return [...new Set(userIds)].filter((userId) => members.has(userId));
  }

  async list(tenantId: TenantId, groupId: GroupId, page: PageRequest): Promise<Page<UserId>> {
    const partition = keys.membershipPartition(tenantId, groupId);
    return queryPage(
      this.ctx,
      {
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
        ExpressionAttributeValues: { ':pk': partition, ':prefix': prefixes.member },
        // Consistent: a full push (replace of members) decides its removals from this list, and the
        // members shown must agree with memberCount right after a write.
        ConsistentRead: true,
      },
      page,
      { attributes: ['pk', 'sk'], fixed: { pk: partition }, prefixed: { sk: prefixes.member } },
      (item) => items.membership.decode(item).userId,
    );
  }

  /** Exact right after a membership write: the user-side entries are base-table items, read consistently. */
  async groupIdsOfUser(tenantId: TenantId, userId: UserId): Promise<GroupId[]> {
    const found = await queryAll(this.ctx, {
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
      ExpressionAttributeValues: { ':pk': keys.userGroupsPartition(tenantId, userId), ':prefix': prefixes.group },
      ConsistentRead: true,
    });
    return found.map((item) => items.userGroup.decode(item).groupId);
  }

  /** Removes up to `budget` memberships of a (deleted) group; true when none is left. */
  async purgeGroup(tenantId: TenantId, groupId: GroupId, budget: number): Promise<{ removed: number; finished: boolean }> {
    const found = await queryAll(
      this.ctx,
      {
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': keys.membershipPartition(tenantId, groupId) },
        ProjectionExpression: 'pk, sk, userId',
        ConsistentRead: true,
      },
      budget + 1,
    );
    const batch = found.slice(0, budget);
    // User-side entries first: a membership left without one would be invisible to its user's delete.
    // (Items without userId are a replace job's desired-member parts: they go, with no user side.)
    const memberships = batch.filter((item) => typeof item.userId === 'string');
    await batchDelete(this.ctx, memberships.map((item) => keys.userGroupEntry(tenantId, String(item.userId) as UserId, groupId)));
    await batchDelete(this.ctx, batch.map((item): TableKey => ({ pk: String(item.pk), sk: String(item.sk) })));
    const finished = found.length <= budget;
    if (finished) await this.clearPurgeMarker(keys.groupPurge(tenantId, groupId));
    return { removed: batch.length, finished };
  }

  /** On user delete: each membership goes with a decrement of its group's count. */
  async removeUserFromAllGroups(tenantId: TenantId, userId: UserId): Promise<number> {
    const groupIds = await this.groupIdsOfUser(tenantId, userId);
    let removed = 0;
    for (const part of chunk(groupIds, USER_CLEANUP_CONCURRENCY)) {
      const results = await Promise.all(part.map((groupId) => this.removeOneMembership(tenantId, groupId, userId)));
      removed += results.filter(Boolean).length;
    }
    await this.clearPurgeMarker(keys.userPurge(tenantId, userId));
    return removed;
  }

  /**
   * Continues purges that a request could not finish (a group delete past its inline budget, a
   * request that died), and background replaces of members through `continueReplace`. Meant for a
   * schedule; safe to run concurrently with requests.
   */
  async purgePending(maxItems: number, continueReplace: ReplaceContinuation): Promise<PurgeReport> {
    const markers = await queryAll(
      this.ctx,
      { KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': keys.purgePartition }, ConsistentRead: true },
      100,
    );
    let budget = maxItems;
    let membershipsRemoved = 0;
    let purgesFinished = 0;
    for (const item of markers) {
      if (budget <= 0) return { membershipsRemoved, purgesFinished, morePending: true };
      if (item.entity === 'ReplaceJob') {
        const job = items.replaceJob.decode(item);
        const result = await continueReplace(job.tenantId, job.groupId, budget);
        budget -= Math.max(1, result.examined);
        membershipsRemoved += result.removed;
        if (!result.pending) purgesFinished++;
        continue;
      }
      const marker = items.purge.decode(item);
      if (marker.kind === 'group') {
        const result = await this.purgeGroup(marker.tenantId, marker.id as GroupId, budget);
        budget -= result.removed;
        membershipsRemoved += result.removed;
        if (result.finished) purgesFinished++;
      } else {
        const removed = await this.removeUserFromAllGroups(marker.tenantId, marker.id as UserId);
        budget -= removed;
        membershipsRemoved += removed;
        purgesFinished++;
      }
    }
    const more = await this.ctx.db.send(
      new QueryCommand({
        TableName: this.ctx.tableName,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': keys.purgePartition },
        Limit: 1,
        ConsistentRead: true,
      }),
    );
    return { membershipsRemoved, purgesFinished, morePending: (more.Items?.length ?? 0) > 0 };
  }

  /**
   * One transaction per chunk: the membership puts/deletes (conditioned, so a concurrent writer is
   * detected) and one update of the group's count and version. The chunk's current members are read
   * first with one BatchGet, because a single failed condition cancels the whole transaction. With a
   * guard (a background replace), only memberships older than the job are removed, and only while the
   * job's marker still names it (checked in the same transaction).
   */
  private async changeChunk(tenantId: TenantId, groupId: GroupId, userIds: UserId[], change: 'add' | 'remove', guard?: ReplaceGuard): Promise<number> {
    const groupKey = keys.group(tenantId, groupId);
    const now = this.ctx.clock.now().toISOString();
    for (let attempt = 0; ; attempt++) {
      const found = await batchGet(this.ctx, [groupKey, ...userIds.map((userId) => keys.membership(tenantId, groupId, userId))], true);
      const groupItem = found.find((item) => item.sk === groupKey.sk && item.pk === groupKey.pk);
      if (!groupItem) throw groupMissing(groupId);
      const version = Number(groupItem.version);
      const memberships = found.filter((item) => item.entity === 'Membership').map(items.membership.decode);
      const members = new Set(memberships.filter((m) => !guard || olderThanJob(m.addedAt, guard)).map((m) => m.userId));
      const changing = userIds.filter((userId) => (change === 'add' ? !members.has(userId) : members.has(userId)));
      if (changing.length === 0) return 0;

      const removal: Condition = guard ? { expression: 'attribute_exists(pk) AND (attribute_not_exists(addedAt) OR addedAt < :startedAt)', values: { ':startedAt': guard.startedAt } } : mustExist;
      const writes: TransactItem[] = changing.flatMap((userId) =>
        change === 'add'
          ? [put(this.ctx, items.membership.encode(tenantId, groupId, userId, now), mustNotExist), put(this.ctx, items.userGroup.encode(tenantId, groupId, userId))]
          : [del(this.ctx, keys.membership(tenantId, groupId, userId), removal), del(this.ctx, keys.userGroupEntry(tenantId, userId, groupId))],
      );
      const groupIndex = writes.length;
      writes.push(this.groupCountUpdate(tenantId, groupId, change === 'add' ? changing.length : -changing.length, version));
      const markerIndex = writes.length;
      if (guard) writes.push({ ConditionCheck: { TableName: this.ctx.tableName, Key: guard.markerKey, ConditionExpression: 'jobId = :jobId', ExpressionAttributeValues: { ':jobId': guard.jobId } } });
      const changed = change === 'add' ? 'added' : 'removed';
      writes.push(...outboxPuts(this.ctx, [eventsOf(this.ctx).membersChanged(changed, tenantId, groupId, version + 1, changing, currentChange())]));
      try {
        await transactWrite(this.ctx, writes);
        return changing.length;
      } catch (error) {
        if (!(error instanceof ConditionsFailed)) throw error;
        // The group's version moved (another membership write) or the group is gone: the re-read tells which.
        if (error.failedIndexes.includes(groupIndex)) {
          if (attempt + 1 >= MAX_CHUNK_ATTEMPTS) throw groupBusy(groupId);
          await versionBackoff(attempt);
          continue;
        }
        if (guard && error.failedIndexes.includes(markerIndex)) throw new ReplaceJobSuperseded(`the replace job ${guard.jobId} on group ${groupId} was superseded`, { cause: error });
        // Another request changed some of these memberships since our read: read again.
        if (attempt + 1 >= MAX_CHUNK_ATTEMPTS) throw error;
      }
    }
  }

  /**
   * Membership changes also bump the group's version and updatedAt: the SCIM representation (members) changed.
   * Conditioned on the version read, so the event written with it names the group's exact version after it.
   */
  private groupCountUpdate(tenantId: TenantId, groupId: GroupId, delta: number, expectedVersion: number): TransactItem {
    return update(
      this.ctx,
      keys.group(tenantId, groupId),
      'ADD memberCount :delta SET #version = :next, updatedAt = :now',
      { ':delta': delta, ':next': expectedVersion + 1, ':now': this.ctx.clock.now().toISOString() },
      { expression: 'attribute_exists(pk) AND #version = :expectedVersion', values: { ':expectedVersion': expectedVersion } },
      { '#version': 'version' },
    );
  }

  /** One membership of a deleted user, with its own `group.members.removed` event (the group's version moves). */
  private async removeOneMembership(tenantId: TenantId, groupId: GroupId, userId: UserId): Promise<boolean> {
    const membershipKey = keys.membership(tenantId, groupId, userId);
    const entryKey = keys.userGroupEntry(tenantId, userId, groupId);
    for (let attempt = 0; ; attempt++) {
      const group = await this.ctx.db.send(
        new GetCommand({ TableName: this.ctx.tableName, Key: keys.group(tenantId, groupId), ConsistentRead: true, ProjectionExpression: '#version', ExpressionAttributeNames: { '#version': 'version' } }),
      );
      if (!group.Item) {
        // The group is gone (its own purge is running, its deletion was the event): only the membership and its entry are left to remove.
        await batchDelete(this.ctx, [membershipKey, entryKey]);
        return true;
      }
      const version = Number(group.Item.version);
      try {
        await transactWrite(this.ctx, [
          del(this.ctx, membershipKey, mustExist),
          del(this.ctx, entryKey),
          this.groupCountUpdate(tenantId, groupId, -1, version),
          ...outboxPuts(this.ctx, [eventsOf(this.ctx).membersChanged('removed', tenantId, groupId, version + 1, [userId], currentChange())]),
        ]);
        return true;
      } catch (error) {
        if (!(error instanceof ConditionsFailed)) throw error;
        if (error.failedIndexes.includes(0)) {
          // Removed meanwhile (a concurrent removeMembers or group purge): only a stray entry may be left.
          await this.ctx.db.send(new DeleteCommand({ TableName: this.ctx.tableName, Key: entryKey }));
          return false;
        }
        // The group's version moved meanwhile: read it again.
        if (attempt + 1 >= MAX_CHUNK_ATTEMPTS) throw groupBusy(groupId);
        await versionBackoff(attempt);
      }
    }
  }

  private async clearPurgeMarker(key: { pk: string; sk: string }): Promise<void> {
    await this.ctx.db.send(new DeleteCommand({ TableName: this.ctx.tableName, Key: key }));
  }
}

/** Memberships without addedAt predate background replaces: they are older than any job. Same-millisecond writes are spared. */
export const olderThanJob = (addedAt: string | undefined, guard: Pick<ReplaceGuard, 'startedAt'>): boolean => addedAt === undefined || addedAt < guard.startedAt;

/** Concurrent membership writers of one group take turns (each names the version it wrote): spread them out. */
const versionBackoff = (attempt: number) => jitteredBackoff(attempt, 5, 200);
const groupBusy = (groupId: GroupId) => new TooManyRequestsError(`too many concurrent membership changes to group ${groupId}; retry in a moment`, 1);
const groupMissing = (groupId: GroupId, cause?: Error) => new NotFoundError(`group ${groupId} does not exist`, cause ? { cause } : undefined);
