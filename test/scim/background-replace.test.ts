import { BatchWriteCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { items } from '../../lambdas/adapters/dynamodb/items';
import { keys, prefixes } from '../../lambdas/adapters/dynamodb/keys';
import type { User } from '../../lambdas/core/identity/user';
import { asGroupId, asUserId, newResourceId, type GroupId, type TenantId, type UserId } from '../../lambdas/core/ids';
import { Logger } from '../../lambdas/http/logger';
import { runMaintenance } from '../../lambdas/maintenance/run';
import { call, createTenant, createWorld, GROUP_SCHEMA, PATCH_OP, type ScimWorld } from './harness';

/** Small enough that a 300-member group's full push goes to the background, as a 100,000-member one does with the real budget. */
const INLINE_BUDGET = 50;
const GROUP_SIZE = 300;

describe('a full push past the inline removal budget finishes in the background', { timeout: 120_000 }, () => {
  let world: ScimWorld;
  let tenantId: TenantId;
  let token: string;
  let users: UserId[];

  async function seedUsers(n: number): Promise<UserId[]> {
    const now = new Date().toISOString();
    const ids = Array.from({ length: n }, () => asUserId(newResourceId()));
    for (let i = 0; i < n; i += 25) {
      const batch: User[] = ids.slice(i, i + 25).map((id, j) => ({ tenantId, id, userName: `bg${i + j}@example.com`, active: true, emails: [], profile: {}, source: 'scim', isAdmin: false, createdAt: now, updatedAt: now, version: 1 }));
      await world.table.db.send(new BatchWriteCommand({ RequestItems: { [world.table.tableName]: batch.map((u) => ({ PutRequest: { Item: items.user.encode(u) } })) } }));
    }
    return ids;
  }

  /** A group of GROUP_SIZE members, written through the adapter (not through the code under test). */
  async function fullGroup(name: string): Promise<GroupId> {
    const id = asGroupId((await call(world, 'POST', `/scim/v2/${tenantId}/Groups`, { token, body: { schemas: [GROUP_SCHEMA], displayName: name } })).body.id);
    await world.adapters.groups.addMembers(tenantId, id, users.slice(0, GROUP_SIZE));
    return id;
  }

  const patch = (group: GroupId, op: string, value: UserId[]) =>
    call(world, 'PATCH', `/scim/v2/${tenantId}/Groups/${group}`, { token, body: { schemas: [PATCH_OP], Operations: [{ op, path: 'members', value: value.map((v) => ({ value: v })) }] } });

  async function membersOf(group: GroupId): Promise<string[]> {
    const page = await world.adapters.groups.listMembers(tenantId, group, { limit: 1000 });
    return [...page.items].sort();
  }
  const memberCount = async (group: GroupId) => (await world.adapters.groups.get(tenantId, group))!.memberCount;
  const maintenance = (remainingMs = 60_000) =>
    runMaintenance({ purgePendingGroupMemberships: (max) => world.adapters.purgePendingGroupMemberships(max), logger: new Logger({ service: 'maintenance' }, 'error', () => {}) }, { remainingMs: () => remainingMs, itemsPerRound: 100 });
  /** The job's desired-member parts left in the group's partition. */
  async function partsLeft(group: GroupId): Promise<number> {
    const found = await world.table.db.send(
      new QueryCommand({ TableName: world.table.tableName, KeyConditionExpression: 'pk = :pk AND begins_with(sk, :p)', ExpressionAttributeValues: { ':pk': keys.membershipPartition(tenantId, group), ':p': prefixes.replaceChunk } }),
    );
    return found.Items?.length ?? 0;
  }

  beforeAll(async () => {
    world = await createWorld({ inlineReplaceRemovals: INLINE_BUDGET });
    ({ tenantId, token } = await createTenant(world));
    users = await seedUsers(GROUP_SIZE + 20);
  });
  afterAll(async () => world.table.drop());

  it('answers 204 with the job recorded, stays readable, and maintenance converges to the exact membership', async () => {
    const group = await fullGroup('Everyone');
    // Five current members kept, five new users added: 295 removals, far past the budget.
    const desired = [...users.slice(0, 5), ...users.slice(GROUP_SIZE, GROUP_SIZE + 5)];
    const started = Date.now();
    const pushed = await patch(group, 'replace', desired);
    const tookMs = Date.now() - started;
    expect(pushed.status).toBe(204);
    expect(await world.adapters.groups.memberReplacePending(tenantId, group)).toBe(true);
    // Only one budget's worth removed inline: the rest is still there, and the new members already are.
    const during = await memberCount(group);
    expect(during).toBeGreaterThan(desired.length);
    expect(during).toBeGreaterThanOrEqual(GROUP_SIZE + 5 - INLINE_BUDGET);
    expect(await world.adapters.groups.membersAmong(tenantId, group, users.slice(GROUP_SIZE, GROUP_SIZE + 5))).toHaveLength(5);
    const read = await call(world, 'GET', `/scim/v2/${tenantId}/Groups/${group}`, { token });
    expect(read.status).toBe(200);
    expect(read.body.members.length).toBe(during);

    // A run out of time does one round and leaves the job pending; the next one finishes it.
    const first = await maintenance(0);
    expect(first.morePending).toBe(true);
    expect(await world.adapters.groups.memberReplacePending(tenantId, group)).toBe(true);
    const next = await maintenance();
    expect(next.stoppedBy).toBe('done');
    expect(await membersOf(group)).toEqual([...desired].sort());
    expect(await memberCount(group)).toBe(desired.length);
    expect(await world.adapters.groups.memberReplacePending(tenantId, group)).toBe(false);
    expect(await partsLeft(group)).toBe(0);
    // Users' side agrees: a removed member no longer lists the group.
    expect((await call(world, 'GET', `/scim/v2/${tenantId}/Users/${users[100]}`, { token })).body.groups ?? []).toEqual([]);
    console.info(`replace of ${desired.length} members on a ${GROUP_SIZE}-member group answered in ${tookMs} ms`);
  });

  it('keeps members added after the job started, and applies a later remove at once', async () => {
    const group = await fullGroup('Engineering');
    const desired = users.slice(0, 10);
    expect((await patch(group, 'replace', desired)).status).toBe(204);
    // users[299] is an old member the job would remove (the walk is in key order, so check it is still there);
    // users[GROUP_SIZE + 10] was never a member. Both are added after the job started.
    const oldMember = (await world.adapters.groups.membersAmong(tenantId, group, users.slice(INLINE_BUDGET, GROUP_SIZE))).at(-1)!;
    const newcomer = users[GROUP_SIZE + 10]!;
    expect((await patch(group, 'add', [oldMember, newcomer])).status).toBe(204);
    // A desired member removed during the job is gone at once.
    expect((await patch(group, 'remove', [desired[0]!])).status).toBe(204);
    expect(await world.adapters.groups.membersAmong(tenantId, group, [desired[0]!])).toEqual([]);
    expect((await maintenance()).stoppedBy).toBe('done');
    const expected = [...desired.slice(1), oldMember, newcomer].sort();
    expect(await membersOf(group)).toEqual(expected);
    expect(await memberCount(group)).toBe(expected.length);
  });

  it('lets a second full push supersede a pending one: the newest desired set wins', async () => {
    const group = await fullGroup('Sales');
    const firstSet = users.slice(0, 10);
    const secondSet = [...users.slice(200, 208), ...users.slice(GROUP_SIZE + 12, GROUP_SIZE + 14)];
    expect((await patch(group, 'replace', firstSet)).status).toBe(204);
    expect((await patch(group, 'replace', secondSet)).status).toBe(204);
    expect(await world.adapters.groups.memberReplacePending(tenantId, group)).toBe(true);
    expect((await maintenance()).stoppedBy).toBe('done');
    expect(await membersOf(group)).toEqual([...secondSet].sort());
    expect(await memberCount(group)).toBe(secondSet.length);
    expect(await partsLeft(group)).toBe(0);
    // A PUT with members is a full replace too, and a later small one is done inline.
    const put = await call(world, 'PUT', `/scim/v2/${tenantId}/Groups/${group}`, { token, body: { schemas: [GROUP_SCHEMA], displayName: 'Sales', members: [{ value: users[0] }] } });
    expect(put.status).toBe(200);
    expect(await membersOf(group)).toEqual([users[0]]);
    expect(await world.adapters.groups.memberReplacePending(tenantId, group)).toBe(false);
  });

  it('drops a pending job when a later replace is small enough to finish inline', async () => {
    const group = await fullGroup('Support');
    expect((await patch(group, 'replace', users.slice(0, 10))).status).toBe(204);
    expect(await world.adapters.groups.memberReplacePending(tenantId, group)).toBe(true);
    // Keeping 280 of the current members: at most 50 removals, so this one is decided inline and the old job must not run on.
    const keep = users.slice(0, 280);
    expect((await patch(group, 'replace', keep)).status).toBe(204);
    expect(await world.adapters.groups.memberReplacePending(tenantId, group)).toBe(false);
    await maintenance();
    expect(await membersOf(group)).toEqual([...keep].sort());
    expect(await memberCount(group)).toBe(keep.length);
  });
});
