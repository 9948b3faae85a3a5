import { GetCommand, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { Context, ScheduledEvent } from 'aws-lambda';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createDynamoAdapters, type DynamoAdapters, type PurgeReport } from '../../lambdas/adapters/dynamodb';
import { items } from '../../lambdas/adapters/dynamodb/items';
import { keys } from '../../lambdas/adapters/dynamodb/keys';
import { asUserId, type GroupId, type TenantId, type UserId } from '../../lambdas/core/ids';
import { Logger } from '../../lambdas/http/logger';
import { handler } from '../../lambdas/maintenance/handler';
import { runMaintenance, type MaintenanceDeps } from '../../lambdas/maintenance/run';
import { aGroup, freshTenantId } from '../adapters/dynamodb/fixtures';
import { createTestTable, type TestTable } from '../support/dynamo';

let table: TestTable;
let store: DynamoAdapters;

// The PURGE partition is table-wide: each test gets its own table so runs see only their own deletes.
beforeEach(async () => {
  table = await createTestTable();
  store = createDynamoAdapters({ db: table.db, tableName: table.tableName });
});
afterEach(async () => {
  vi.unstubAllEnvs();
  await table.drop();
});

/** Member ids need no user items: memberships reference users by id only. */
const userIds = (count: number): UserId[] => Array.from({ length: count }, (_, i) => asUserId(`m-${String(i).padStart(5, '0')}`));

function capturingLogger(): { logger: Logger; lines: Array<Record<string, unknown>> } {
  const lines: Array<Record<string, unknown>> = [];
  return { logger: new Logger({ service: 'maintenance' }, 'info', (line) => lines.push(JSON.parse(line) as Record<string, unknown>)), lines };
}

/** A deleted group of `members` members: the delete removed INLINE_PURGE_BUDGET (990) inline and left the rest pending. */
async function deletedGroup(members: number): Promise<{ tenantId: TenantId; groupId: GroupId }> {
  const tenantId = freshTenantId();
  const group = aGroup(tenantId);
  await store.groups.create(group);
  await store.groups.addMembers(tenantId, group.id, userIds(members));
  await store.groups.delete(tenantId, group.id);
  return { tenantId, groupId: group.id };
}

async function membershipItemsLeft(tenantId: TenantId, groupId: GroupId): Promise<number> {
  let count = 0;
  let startKey: Record<string, unknown> | undefined;
  do {
    const page = await table.db.send(
      new QueryCommand({
        TableName: table.tableName,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': keys.membershipPartition(tenantId, groupId) },
        ConsistentRead: true,
        ExclusiveStartKey: startKey,
      }),
    );
    count += page.Items?.length ?? 0;
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  return count;
}

async function purgeMarkerExists(tenantId: TenantId, groupId: GroupId): Promise<boolean> {
  const found = await table.db.send(new GetCommand({ TableName: table.tableName, Key: keys.groupPurge(tenantId, groupId), ConsistentRead: true }));
  return found.Item !== undefined;
}

const deps = (logger: Logger): MaintenanceDeps => ({ purgePendingGroupMemberships: (maxItems) => store.purgePendingGroupMemberships(maxItems), logger });

// Filling a 1,290-member group is 14 transactions; the first test also warms DynamoDB Local up.
describe('runMaintenance on DynamoDB Local', { timeout: 90_000 }, () => {
  it('removes every membership of a deleted 1,290-member group and clears its purge marker', async () => {
    // Prepare
    const { tenantId, groupId } = await deletedGroup(1290);
    expect(await membershipItemsLeft(tenantId, groupId)).toBe(300);
    expect(await purgeMarkerExists(tenantId, groupId)).toBe(true);
    const { logger } = capturingLogger();

    // Act
    const report = await runMaintenance(deps(logger), { remainingMs: () => 60_000, itemsPerRound: 120 });

    // Assess
    expect(report).toMatchObject({ membershipsRemoved: 300, purgesFinished: 1, morePending: false, stoppedBy: 'done', rounds: 3 });
    expect(await membershipItemsLeft(tenantId, groupId)).toBe(0);
    expect(await purgeMarkerExists(tenantId, groupId)).toBe(false);
  });

  it('stops after one round when the time budget is spent, leaving the rest pending for the next run', async () => {
    // Prepare
    const { tenantId, groupId } = await deletedGroup(1290);
    const { logger } = capturingLogger();

    // Act
    const first = await runMaintenance(deps(logger), { remainingMs: () => 0, itemsPerRound: 100 });

    // Assess
    expect(first).toMatchObject({ rounds: 1, membershipsRemoved: 100, purgesFinished: 0, morePending: true, stoppedBy: 'time' });
    expect(await membershipItemsLeft(tenantId, groupId)).toBe(200);
    expect(await purgeMarkerExists(tenantId, groupId)).toBe(true);

    const next = await runMaintenance(deps(logger), { remainingMs: () => 60_000 });
    expect(next).toMatchObject({ rounds: 1, membershipsRemoved: 200, purgesFinished: 1, morePending: false });
    expect(await membershipItemsLeft(tenantId, groupId)).toBe(0);
    expect(await purgeMarkerExists(tenantId, groupId)).toBe(false);
  });

  it('finishes the purges of several deleted groups and of a deleted user in one run', async () => {
    // Prepare
    const groups = [await deletedGroup(1090), await deletedGroup(1040)];
    const tenantId = freshTenantId();
    const kept = aGroup(tenantId);
    await store.groups.create(kept);
    await store.groups.addMembers(tenantId, kept.id, [asUserId('leaver'), asUserId('stayer')]);
    // What a user delete leaves when its request dies after the delete transaction: the marker.
    await table.db.send(new PutCommand({ TableName: table.tableName, Item: items.purge.encode('user', tenantId, 'leaver', '2025-01-01T00:00:00.000Z') }));
    const { logger } = capturingLogger();

    // Act
    const report = await runMaintenance(deps(logger), { remainingMs: () => 60_000 });

    // Assess
    expect(report).toMatchObject({ membershipsRemoved: 151, purgesFinished: 3, morePending: false });
    for (const { tenantId: t, groupId } of groups) expect(await membershipItemsLeft(t, groupId)).toBe(0);
    expect(await store.groups.membersAmong(tenantId, kept.id, [asUserId('leaver'), asUserId('stayer')])).toEqual([asUserId('stayer')]);
    expect((await store.groups.get(tenantId, kept.id))?.memberCount).toBe(1);
  });

  it('writes one JSON log line with the counts', async () => {
    // Prepare
    await deletedGroup(1000);
    const { logger, lines } = capturingLogger();

    // Act
    await runMaintenance(deps(logger), { remainingMs: () => 60_000 });

    // Assess
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ level: 'info', service: 'maintenance', message: 'membership purge run', membershipsRemoved: 10, purgesFinished: 1, morePending: false, rounds: 1, stoppedBy: 'done' });
    expect(lines[0]!.durationMs).toEqual(expect.any(Number));
  });

  it('runs from the Lambda handler with the environment and the context time budget', async () => {
    // Prepare
    const { tenantId, groupId } = await deletedGroup(1190);
    vi.stubEnv('TABLE_NAME', table.tableName);
    vi.stubEnv('DYNAMODB_ENDPOINT', table.endpoint);
    vi.stubEnv('LOG_LEVEL', 'error');
    const event = { id: 'evt-1', time: '2025-01-01T00:00:00Z', 'detail-type': 'Scheduled Event', source: 'aws.events' } as ScheduledEvent;
    const context = { awsRequestId: 'req-1', getRemainingTimeInMillis: () => 300_000 } as unknown as Context;

    // Act
    const report = await handler(event, context);

    // Assess
    expect(report).toMatchObject({ membershipsRemoved: 200, purgesFinished: 1, morePending: false });
    expect(await purgeMarkerExists(tenantId, groupId)).toBe(false);
  });
});

describe('runMaintenance time budget', () => {
  /** A port fake with `pending` memberships left, each call taking `callMs` of a fake clock. */
  function fakePurges(pending: number, callMs: number) {
    let clock = 0;
    let left = pending;
    const calls: number[] = [];
    return {
      calls,
      now: () => clock,
      elapsed: () => clock,
      purgePendingGroupMemberships: async (maxItems: number): Promise<PurgeReport> => {
        calls.push(maxItems);
        clock += callMs;
        const removed = Math.min(left, maxItems);
        left -= removed;
        return { membershipsRemoved: removed, purgesFinished: left === 0 ? 1 : 0, morePending: left > 0 };
      },
    };
  }

  it('keeps calling until nothing is pending while time remains', async () => {
    const fake = fakePurges(5_500, 1_000);
    const report = await runMaintenance({ ...fake, logger: capturingLogger().logger }, { remainingMs: () => 280_000 - fake.elapsed() });
    expect(report).toMatchObject({ rounds: 6, membershipsRemoved: 5_500, morePending: false, stoppedBy: 'done' });
    expect(fake.calls).toEqual([1000, 1000, 1000, 1000, 1000, 1000]);
  });

  it('starts no round that the time left cannot fit, judged by the slowest round so far', async () => {
    const fake = fakePurges(100_000, 4_000);
    const report = await runMaintenance({ ...fake, logger: capturingLogger().logger }, { remainingMs: () => 10_000 - fake.elapsed() });
    // Rounds end at 4 s and 8 s; 2 s left is less than a 4 s round.
    expect(report).toMatchObject({ rounds: 2, membershipsRemoved: 2_000, morePending: true, stoppedBy: 'time', durationMs: 8_000 });
  });
});
