import { randomUUID } from 'node:crypto';
import { DeleteCommand, GetCommand, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { NotFoundError } from '../../core/errors';
import type { GroupId, TenantId, UserId } from '../../core/ids';
import { items, type ReplaceJob } from './items';
import { keys, prefixes, type TableKey } from './keys';
import { ReplaceJobSuperseded, olderThanJob, type DynamoMemberships } from './memberships';
import { batchDelete, isConditionalCheckFailed, queryAll, type DynamoContext } from './operations';
import type { ReplaceProgress } from '../../core/identity/ports';

/** A desired-member part stays well under DynamoDB's 400 KB item limit (ids are counted with their list overhead). */
const CHUNK_BYTES = 340_000;
/** Memberships read per Query while walking the group. */
const WALK_PAGE = 1000;

/**
 * Full replaces of a group's members whose removals are too many for one request. The job is the desired
 * member set (in parts beside the memberships) and a marker in the PURGE partition with the job's start
 * time and a resume cursor. Running it walks the memberships and removes those not desired and older
 * than the job; each removal transaction checks that the marker still names the job, so a newer
 * replace (or an inline one) stops an older job at once.
 */
export class DynamoMemberReplaceJobs {
  constructor(
    private readonly ctx: DynamoContext,
    private readonly memberships: DynamoMemberships,
  ) {}

  /** Records the job (parts first, the marker last: the marker is what makes it exist), superseding any pending one. */
  async start(tenantId: TenantId, groupId: GroupId, desired: UserId[]): Promise<void> {
    const jobId = randomUUID();
    const startedAt = this.ctx.clock.now().toISOString();
    const parts = splitByBytes([...new Set(desired)]);
    for (const [index, userIds] of parts.entries()) {
      await this.ctx.db.send(new PutCommand({ TableName: this.ctx.tableName, Item: items.replaceChunk.encode(tenantId, groupId, jobId, index, userIds) }));
    }
    const job: ReplaceJob = { tenantId, groupId, jobId, startedAt, chunks: parts.length };
    await this.ctx.db.send(new PutCommand({ TableName: this.ctx.tableName, Item: items.replaceJob.encode(job) }));
    await this.deleteParts(tenantId, groupId, (sk) => !sk.startsWith(keys.replaceChunkPrefix(jobId)));
  }

  /** Drops the group's pending job, if any (an inline replace now decides the whole membership). */
  async cancel(tenantId: TenantId, groupId: GroupId): Promise<void> {
    const result = await this.ctx.db.send(new DeleteCommand({ TableName: this.ctx.tableName, Key: keys.replaceJob(tenantId, groupId), ReturnValues: 'ALL_OLD' }));
    if (result.Attributes) await this.deleteParts(tenantId, groupId, () => true);
  }

  async pending(tenantId: TenantId, groupId: GroupId): Promise<boolean> {
    return (await this.read(tenantId, groupId)) !== undefined;
  }

  /** Walks on from the job's cursor, examining at most `maxItems` memberships; finishes the job at the end of the group. */
  async continue(tenantId: TenantId, groupId: GroupId, maxItems: number): Promise<ReplaceProgress> {
    const job = await this.read(tenantId, groupId);
    if (!job) return { removed: 0, examined: 0, pending: false };
    const group = await this.ctx.db.send(new GetCommand({ TableName: this.ctx.tableName, Key: keys.group(tenantId, groupId), ConsistentRead: true, ProjectionExpression: 'pk' }));
    // The group was deleted: its purge removes memberships and parts; only the marker is left to drop.
    if (!group.Item) return { removed: 0, examined: 0, pending: !(await this.finish(job)) };
    const desired = await this.desiredOf(job);
    // Parts missing: a newer replace is writing its own and dropping these.
    if (!desired) return { removed: 0, examined: 0, pending: await this.pending(tenantId, groupId) };
    const guard = { markerKey: keys.replaceJob(tenantId, groupId), jobId: job.jobId, startedAt: job.startedAt };
    const partition = keys.membershipPartition(tenantId, groupId);
    let cursor = job.cursor;
    let removed = 0;
    let examined = 0;
    try {
      while (examined < maxItems) {
        const page = await this.ctx.db.send(
          new QueryCommand({
            TableName: this.ctx.tableName,
            KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
            ExpressionAttributeValues: { ':pk': partition, ':prefix': prefixes.member },
            ProjectionExpression: 'sk, userId, addedAt',
            ConsistentRead: true,
            Limit: Math.min(WALK_PAGE, maxItems - examined),
            ...(cursor ? { ExclusiveStartKey: { pk: partition, sk: cursor } } : {}),
          }),
        );
        const found = page.Items ?? [];
        examined += found.length;
        const unwanted = found.filter((item) => !desired.has(String(item.userId)) && olderThanJob(item.addedAt as string | undefined, guard)).map((item) => String(item.userId) as UserId);
        if (unwanted.length > 0) removed += await this.memberships.remove(tenantId, groupId, unwanted, guard);
        if (!page.LastEvaluatedKey) return { removed, examined, pending: !(await this.finish(job)) };
        cursor = String(page.LastEvaluatedKey.sk);
        if (!(await this.saveCursor(job, cursor))) return { removed, examined, pending: true };
      }
      return { removed, examined, pending: true };
    } catch (error) {
      // A newer replace took over (or an inline one cancelled it): that one decides the membership now.
      if (error instanceof ReplaceJobSuperseded) return { removed, examined, pending: await this.pending(tenantId, groupId) };
      // The group was deleted under the walk: nothing is left for the job to decide.
      if (error instanceof NotFoundError) return { removed, examined, pending: !(await this.finish(job)) };
      throw error;
    }
  }

  private async read(tenantId: TenantId, groupId: GroupId): Promise<ReplaceJob | undefined> {
    const result = await this.ctx.db.send(new GetCommand({ TableName: this.ctx.tableName, Key: keys.replaceJob(tenantId, groupId), ConsistentRead: true }));
    return result.Item ? items.replaceJob.decode(result.Item) : undefined;
  }

  private async desiredOf(job: ReplaceJob): Promise<Set<string> | undefined> {
    const parts = await queryAll(this.ctx, {
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
      ExpressionAttributeValues: { ':pk': keys.membershipPartition(job.tenantId, job.groupId), ':prefix': keys.replaceChunkPrefix(job.jobId) },
      ConsistentRead: true,
    });
    if (parts.length !== job.chunks) return undefined;
    return new Set(parts.flatMap((part) => items.replaceChunk.decode(part).userIds));
  }

  /** Conditioned on the job: false when a newer job replaced the marker meanwhile. */
  private async saveCursor(job: ReplaceJob, cursor: string): Promise<boolean> {
    try {
      await this.ctx.db.send(
        new UpdateCommand({ TableName: this.ctx.tableName, Key: keys.replaceJob(job.tenantId, job.groupId), UpdateExpression: 'SET #cursor = :cursor', ConditionExpression: 'jobId = :jobId', ExpressionAttributeNames: { '#cursor': 'cursor' }, ExpressionAttributeValues: { ':cursor': cursor, ':jobId': job.jobId } }),
      );
      return true;
    } catch (error) {
      if (isConditionalCheckFailed(error)) return false;
      throw error;
    }
  }

  /** Removes the marker if it is still this job's, then this job's parts. True when no job is left on the group. */
  private async finish(job: ReplaceJob): Promise<boolean> {
    let done = true;
    try {
      await this.ctx.db.send(new DeleteCommand({ TableName: this.ctx.tableName, Key: keys.replaceJob(job.tenantId, job.groupId), ConditionExpression: 'jobId = :jobId', ExpressionAttributeValues: { ':jobId': job.jobId } }));
    } catch (error) {
      if (!isConditionalCheckFailed(error)) throw error;
      done = false; // superseded: the newer job stays pending
    }
    await this.deleteParts(job.tenantId, job.groupId, (sk) => sk.startsWith(keys.replaceChunkPrefix(job.jobId)));
    return done;
  }

  private async deleteParts(tenantId: TenantId, groupId: GroupId, which: (sk: string) => boolean): Promise<void> {
    const found = await queryAll(this.ctx, {
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
      ExpressionAttributeValues: { ':pk': keys.membershipPartition(tenantId, groupId), ':prefix': keys.replaceChunkPrefix() },
      ProjectionExpression: 'pk, sk',
      ConsistentRead: true,
    });
    const doomed = found.map((item): TableKey => ({ pk: String(item.pk), sk: String(item.sk) })).filter((key) => which(key.sk));
    if (doomed.length > 0) await batchDelete(this.ctx, doomed);
  }
}

/** Parts of at most CHUNK_BYTES (each id costs its length plus a few bytes of list overhead). */
function splitByBytes(userIds: UserId[]): UserId[][] {
  const parts: UserId[][] = [[]];
  let bytes = 0;
  for (const id of userIds) {
    const size = Buffer.byteLength(id) + 3;
    if (bytes + size > CHUNK_BYTES && parts.at(-1)!.length > 0) {
      parts.push([]);
      bytes = 0;
    }
    parts.at(-1)!.push(id);
    bytes += size;
  }
  return parts;
}
