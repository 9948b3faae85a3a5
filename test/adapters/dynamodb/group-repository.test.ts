import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDynamoAdapters, type DynamoAdapters } from '../../../lambdas/adapters/dynamodb';
import { NotFoundError, PreconditionFailedError } from '../../../lambdas/core/errors';
import type { Group } from '../../../lambdas/core/identity/group';
import { asUserId, type GroupId, type TenantId, type UserId } from '../../../lambdas/core/ids';
import { countingClient, type CountingClient } from '../../support/counting-client';
import { createTestTable, type TestTable } from '../../support/dynamo';
import { aGroup, aUser, freshTenantId, race } from './fixtures';

let table: TestTable;
let counting: CountingClient;
let store: DynamoAdapters;

beforeAll(async () => {
  table = await createTestTable();
  counting = countingClient(table.db);
  store = createDynamoAdapters({ db: counting.db, tableName: table.tableName });
});
afterAll(async () => table.drop());

/** Member ids need no user items: memberships reference users by id only. */
const userIds = (count: number, prefix = 'u'): UserId[] => Array.from({ length: count }, (_, i) => asUserId(`${prefix}-${String(i).padStart(5, '0')}`));

async function newGroup(tenantId: TenantId, overrides: Partial<Group> = {}): Promise<Group> {
  const group = aGroup(tenantId, overrides);
  await store.groups.create(group);
  return group;
}

async function allMembers(tenantId: TenantId, groupId: GroupId): Promise<UserId[]> {
  const members: UserId[] = [];
  let cursor: string | undefined;
  do {
    const page = await store.groups.listMembers(tenantId, groupId, { limit: 1000, ...(cursor ? { cursor } : {}) });
    members.push(...page.items);
    cursor = page.cursor;
  } while (cursor);
  return members;
}

describe('memberships', () => {
  it('adds and removes members idempotently, reporting only real changes, and keeps memberCount exact', async () => {
    const tenantId = freshTenantId();
    const group = await newGroup(tenantId);
    const [a, b, c] = userIds(3);

    expect(await store.groups.addMembers(tenantId, group.id, [a!, b!])).toBe(2);
    expect(await store.groups.addMembers(tenantId, group.id, [b!, c!, c!])).toBe(1);
    expect(await store.groups.addMembers(tenantId, group.id, [a!])).toBe(0);
    expect((await store.groups.get(tenantId, group.id))?.memberCount).toBe(3);

    expect(await store.groups.removeMembers(tenantId, group.id, [a!, asUserId('never-a-member')])).toBe(1);
    expect(await store.groups.removeMembers(tenantId, group.id, [a!])).toBe(0);
    expect((await store.groups.get(tenantId, group.id))?.memberCount).toBe(2);
    expect(await allMembers(tenantId, group.id)).toEqual([b, c]);
    expect(await store.groups.membersAmong(tenantId, group.id, [a!, b!, c!])).toEqual([b, c]);
  });

  it('changes the group version (its ETag) when members change', async () => {
    const tenantId = freshTenantId();
    const group = await newGroup(tenantId);

    await store.groups.addMembers(tenantId, group.id, userIds(2));
    await store.groups.addMembers(tenantId, group.id, userIds(2)); // no change: no new version

    expect((await store.groups.get(tenantId, group.id))?.version).toBe(2);
  });

  it('loses no member when many addMembers run at once on one group, even overlapping', async () => {
    const tenantId = freshTenantId();
    const group = await newGroup(tenantId);
    const everyone = userIds(120);
    // 8 concurrent requests of 30 members each, overlapping by half.
    const batches = Array.from({ length: 8 }, (_, i) => everyone.slice(i * 15, i * 15 + 30));

    const added = await Promise.all(batches.map((batch) => store.groups.addMembers(tenantId, group.id, batch)));

    expect(added.reduce((sum, n) => sum + n, 0)).toBe(120);
    expect((await store.groups.get(tenantId, group.id))?.memberCount).toBe(120);
    expect(await allMembers(tenantId, group.id)).toEqual(everyone);
  });

  it('keeps memberCount equal to the real number of members after concurrent adds and removes of the same users', async () => {
    const tenantId = freshTenantId();
    const group = await newGroup(tenantId);
    const pool = userIds(40, 'storm');
    const halves = [pool.slice(0, 25), pool.slice(15)];

    await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        i % 3 === 2 ? store.groups.removeMembers(tenantId, group.id, halves[i % 2]!) : store.groups.addMembers(tenantId, group.id, halves[i % 2]!),
      ),
    );

    const members = await allMembers(tenantId, group.id);
    expect((await store.groups.get(tenantId, group.id))?.memberCount).toBe(members.length);
  });

  it('adds and removes 256 members in a bounded number of calls, independent of group size, without scanning', async () => {
    const tenantId = freshTenantId();
    const group = await newGroup(tenantId);
    await store.groups.addMembers(tenantId, group.id, userIds(600, 'existing'));
    const newcomers = userIds(256, 'new');

    const add = await counting.measure(() => store.groups.addMembers(tenantId, group.id, newcomers));
    const remove = await counting.measure(() => store.groups.removeMembers(tenantId, group.id, newcomers));

    expect(add.result).toBe(256);
    expect(remove.result).toBe(256);
    // 6 chunks of at most 49 (a membership is two items: its own and its user-side entry): one BatchGet + one TransactWrite each.
    expect(add.counts.total).toBeLessThanOrEqual(12);
    expect(remove.counts.total).toBeLessThanOrEqual(12);
    expect(add.counts.itemsRead).toBeLessThanOrEqual(6); // only the group item, once per chunk: none of the 600 are read
    expect(add.counts.scanned || remove.counts.scanned).toBe(false);
    expect((await store.groups.get(tenantId, group.id))?.memberCount).toBe(600);
  });

  it("finds a user's groups through the index, skipping deleted groups", async () => {
    const tenantId = freshTenantId();
    const user = aUser(tenantId);
    await store.users.create(user);
    const kept = await newGroup(tenantId);
    const deleted = await newGroup(tenantId);
    await newGroup(tenantId); // not a member
    await store.groups.addMembers(tenantId, kept.id, [user.id]);
    await store.groups.addMembers(tenantId, deleted.id, [user.id]);

    await store.groups.delete(tenantId, deleted.id);

    const { result, counts } = await counting.measure(() => store.groups.groupsOfUser(tenantId, user.id));
    expect(result.map((group) => group.id)).toEqual([kept.id]);
    expect(counts.scanned).toBe(false);
  });

  it('says NotFound when changing or listing the members of a group that does not exist', async () => {
    const tenantId = freshTenantId();
    const missing = aGroup(tenantId).id;

    await expect(store.groups.addMembers(tenantId, missing, userIds(1))).rejects.toBeInstanceOf(NotFoundError);
    await expect(store.groups.removeMembers(tenantId, missing, userIds(1))).rejects.toBeInstanceOf(NotFoundError);
    await expect(store.groups.listMembers(tenantId, missing, { limit: 10 })).rejects.toBeInstanceOf(NotFoundError);
  });
});

describe('group delete', () => {
  it('purges memberships and frees the counters and lookups', async () => {
    const tenantId = freshTenantId();
    const group = await newGroup(tenantId, { displayName: 'Engineering', externalId: 'g-eng' });
    await store.groups.addMembers(tenantId, group.id, userIds(150));

    await store.groups.delete(tenantId, group.id);

    expect(await store.groups.get(tenantId, group.id)).toBeUndefined();
    expect(await store.groups.count(tenantId)).toBe(0);
    expect(await store.groups.findByDisplayName(tenantId, 'engineering')).toEqual([]);
    expect(await store.groups.findByExternalId(tenantId, 'g-eng')).toEqual([]);
    expect(await store.groups.groupsOfUser(tenantId, userIds(1)[0]!)).toEqual([]);
    await expect(store.groups.delete(tenantId, group.id)).rejects.toBeInstanceOf(NotFoundError);
  });

  it('hides a large group at once and lets purgePendingGroupMemberships finish its memberships later', async () => {
    const tenantId = freshTenantId();
    const group = await newGroup(tenantId);
    const members = userIds(1290, 'big');
    await store.groups.addMembers(tenantId, group.id, members);

    await store.groups.delete(tenantId, group.id); // removes INLINE_PURGE_BUDGET (990) inline, leaves 300

    await expect(store.groups.listMembers(tenantId, group.id, { limit: 10 })).rejects.toBeInstanceOf(NotFoundError);
    expect(await store.groups.groupsOfUser(tenantId, members.at(-1)!)).toEqual([]);
    const first = await store.purgePendingGroupMemberships(200);
    const second = await store.purgePendingGroupMemberships(1000);
    expect(first).toEqual({ membershipsRemoved: 200, purgesFinished: 0, morePending: true });
    expect(second).toEqual({ membershipsRemoved: 100, purgesFinished: 1, morePending: false });
    expect(await store.groups.membersAmong(tenantId, group.id, members)).toEqual([]);
  });

  it('keeps the group count exact across creates and deletes', async () => {
    const tenantId = freshTenantId();
    const groups = await Promise.all(Array.from({ length: 6 }, () => newGroup(tenantId)));
    await Promise.all(groups.slice(0, 2).map((group) => store.groups.delete(tenantId, group.id)));

    expect(await store.groups.count(tenantId)).toBe(4);
  });
});

describe('group attributes', () => {
  it('finds groups by displayName in any case and by externalId', async () => {
    const tenantId = freshTenantId();
    const group = await newGroup(tenantId, { displayName: 'Sales EMEA', externalId: '00g123' });
    await newGroup(tenantId, { displayName: 'Sales' });

    expect((await store.groups.findByDisplayName(tenantId, 'sales emea')).map((g) => g.id)).toEqual([group.id]);
    expect((await store.groups.findByExternalId(tenantId, '00g123')).map((g) => g.id)).toEqual([group.id]);
  });

  it('renames a group without touching its member count, and moves its lookups', async () => {
    const tenantId = freshTenantId();
    const group = await newGroup(tenantId, { displayName: 'Old name' });
    await store.groups.addMembers(tenantId, group.id, userIds(5));
    const current = (await store.groups.get(tenantId, group.id))!;

    // A stale memberCount in the caller's copy must not overwrite the stored one.
    await store.groups.replace({ ...current, displayName: 'New name', memberCount: 0, version: current.version + 1 }, current.version);

    const stored = await store.groups.get(tenantId, group.id);
    expect(stored).toMatchObject({ displayName: 'New name', memberCount: 5, version: current.version + 1 });
    expect(await store.groups.findByDisplayName(tenantId, 'old name')).toEqual([]);
    expect(await store.groups.findByDisplayName(tenantId, 'NEW NAME')).toHaveLength(1);
  });

  it('rejects a replace based on a version older than a membership change', async () => {
    const tenantId = freshTenantId();
    const group = await newGroup(tenantId);
    await store.groups.addMembers(tenantId, group.id, userIds(1));

    await expect(store.groups.replace({ ...group, displayName: 'x', version: 2 }, 1)).rejects.toBeInstanceOf(PreconditionFailedError);
  });

  it('lets exactly one of two concurrent replaces from the same version win', async () => {
    const tenantId = freshTenantId();
    const group = await newGroup(tenantId);

    const { won, errors } = await race(['a', 'b'].map((name) => store.groups.replace({ ...group, displayName: name, version: 2 }, 1)));

    expect(won).toHaveLength(1);
    expect(errors[0]).toBeInstanceOf(PreconditionFailedError);
  });

  it('lists groups of a tenant across pages, each exactly once', async () => {
    const tenantId = freshTenantId();
    const groups = await Promise.all(Array.from({ length: 7 }, () => newGroup(tenantId)));

    const first = await store.groups.list(tenantId, { limit: 4 });
    const second = await store.groups.list(tenantId, { limit: 4, cursor: first.cursor! });

    expect(second.cursor).toBeUndefined();
    expect([...first.items, ...second.items].map((g) => g.id).sort()).toEqual(groups.map((g) => g.id).sort());
  });

  it('runs a background member replace in small resumable steps, and drops it when the group is deleted', async () => {
    const tenantId = freshTenantId();
    const group = await newGroup(tenantId);
    const members = userIds(120, 'bg');
    await store.groups.addMembers(tenantId, group.id, members);
    const desired = [...members.slice(0, 10), asUserId('not-yet-a-member')];
    await store.groups.startMemberReplace(tenantId, group.id, desired);
    const steps: number[] = [];
    for (let progress = { removed: 0, pending: true }; progress.pending; ) {
      progress = await store.groups.continueMemberReplace(tenantId, group.id, 25);
      steps.push(progress.removed);
    }
    expect(steps.length).toBe(5); // 120 memberships, 25 examined a step: the cursor carries the walk on
    expect(steps.reduce((a, b) => a + b, 0)).toBe(110);
    expect(await allMembers(tenantId, group.id)).toEqual(members.slice(0, 10));
    expect((await store.groups.get(tenantId, group.id))!.memberCount).toBe(10);
    expect(await store.groups.memberReplacePending(tenantId, group.id)).toBe(false);

    // A job on a group deleted meanwhile ends with the group's purge, leaving no marker.
    const doomed = await newGroup(tenantId);
    await store.groups.addMembers(tenantId, doomed.id, members);
    await store.groups.startMemberReplace(tenantId, doomed.id, []);
    expect((await store.groups.continueMemberReplace(tenantId, doomed.id, 30)).pending).toBe(true);
    await store.groups.delete(tenantId, doomed.id);
    while ((await store.purgePendingGroupMemberships(1000)).morePending);
    expect(await store.groups.memberReplacePending(tenantId, doomed.id)).toBe(false);
    expect(await store.groups.membersAmong(tenantId, doomed.id, members)).toEqual([]);
  });
});
