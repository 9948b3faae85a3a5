import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDynamoAdapters, type DynamoAdapters } from '../../../lambdas/adapters/dynamodb/index';
import { asUserId } from '../../../lambdas/core/ids';
import { withReplicationLag } from '../../../local/faithful/replication-lag';
import { createTestTable, type TestTable } from '../../support/dynamo';
import { aGroup, aTenant, aUser, freshTenantId } from './fixtures';

const LAG_MS = 1000;

/**
 * Reads that decide writes, and membership answers, on a table whose eventually consistent reads and
 * GSI queries lag behind (the faithful twin's wrapper, on a clock the test moves): every read below
 * happens right after the write it must see, so any of them served stale fails here, as it could on AWS.
 */
describe('read after write on eventually consistent DynamoDB', () => {
  let table: TestTable;
  let store: DynamoAdapters;
  let clock = Date.now();
  /** Lets every write so far replicate. */
  const replicate = () => {
    clock += LAG_MS + 1;
  };

  beforeAll(async () => {
    table = await createTestTable({ fidelity: 'friendly' });
    const lagged = withReplicationLag(table.rawDb, { lagMs: LAG_MS, jitterMs: 0, now: () => clock });
    store = createDynamoAdapters({ db: lagged.db, tableName: table.tableName });
  });
  afterAll(async () => table.drop());

  it('finds a user at once after its create, and its new version at once after a replace (existence, If-Match, ETag)', async () => {
    const user = aUser(freshTenantId());
    await store.users.create(user);
    expect((await store.users.get(user.tenantId, user.id))?.version).toBe(1);
    replicate();

    await store.users.replace({ ...user, displayName: 'Ada', version: 2 }, 1);
    expect(await store.users.get(user.tenantId, user.id)).toMatchObject({ displayName: 'Ada', version: 2 });
  });

  it('validates group members against users created a moment ago', async () => {
    const tenantId = freshTenantId();
    const users = [aUser(tenantId), aUser(tenantId)];
    for (const user of users) await store.users.create(user);

    expect((await store.users.getMany(tenantId, users.map((u) => u.id))).map((u) => u.id).sort()).toEqual(users.map((u) => u.id).sort());
  });

  it('finds a group at once after its create, with the version and count of a membership change just made', async () => {
    const tenantId = freshTenantId();
    const group = aGroup(tenantId);
    await store.groups.create(group);
    expect(await store.groups.get(tenantId, group.id)).toMatchObject({ version: 1, memberCount: 0 });

    await store.groups.addMembers(tenantId, group.id, [asUserId('u-1'), asUserId('u-2')]);
    expect(await store.groups.get(tenantId, group.id)).toMatchObject({ version: 2, memberCount: 2 });
  });

  it('finds a tenant, and its domain, at once after its create, so that a read-modify-write right after succeeds', async () => {
    const tenant = aTenant({ domains: ['fresh.example'] });
    await store.tenants.create(tenant);

    expect((await store.tenants.findByDomain('fresh.example'))?.id).toBe(tenant.id);
    const current = await store.tenants.get(tenant.id);
    expect(current?.version).toBe(1);
    await store.tenants.replace({ ...current!, name: 'Renamed', version: 2 }, 1);
    expect((await store.tenants.get(tenant.id))?.name).toBe('Renamed');
  });

  it("answers a user's groups exactly right after it joins and leaves them", async () => {
    const tenantId = freshTenantId();
    const user = aUser(tenantId);
    await store.users.create(user);
    const [a, b] = [aGroup(tenantId), aGroup(tenantId)];
    await store.groups.create(a);
    await store.groups.create(b);

    await store.groups.addMembers(tenantId, a.id, [user.id]);
    await store.groups.addMembers(tenantId, b.id, [user.id]);
    expect((await store.groups.groupsOfUser(tenantId, user.id)).map((g) => g.id).sort()).toEqual([a.id, b.id].sort());

    replicate();
    await store.groups.removeMembers(tenantId, a.id, [user.id]);
    expect((await store.groups.groupsOfUser(tenantId, user.id)).map((g) => g.id)).toEqual([b.id]);
  });

  it("drops a group from its members' groups at once when the group is deleted", async () => {
    const tenantId = freshTenantId();
    const user = aUser(tenantId);
    await store.users.create(user);
    const group = aGroup(tenantId);
    await store.groups.create(group);
    await store.groups.addMembers(tenantId, group.id, [user.id]);
    replicate();

    await store.groups.delete(tenantId, group.id);
    expect(await store.groups.groupsOfUser(tenantId, user.id)).toEqual([]);
  });

  it('leaves no trace of a user deleted right after joining groups: not in members, not in memberCount', async () => {
    const tenantId = freshTenantId();
    const [leaving, staying] = [aUser(tenantId), aUser(tenantId)];
    await store.users.create(leaving);
    await store.users.create(staying);
    const group = aGroup(tenantId);
    await store.groups.create(group);
    await store.groups.addMembers(tenantId, group.id, [leaving.id, staying.id]);

    await store.users.delete(tenantId, leaving.id);

    expect((await store.groups.listMembers(tenantId, group.id, { limit: 10 })).items).toEqual([staying.id]);
    expect((await store.groups.get(tenantId, group.id))?.memberCount).toBe(1);
    expect(await store.groups.membersAmong(tenantId, group.id, [leaving.id])).toEqual([]);
  });

  it('lists the members just added (the list a full push decides its removals from)', async () => {
    const tenantId = freshTenantId();
    const group = aGroup(tenantId);
    await store.groups.create(group);
    await store.groups.addMembers(tenantId, group.id, [asUserId('u-a'), asUserId('u-b')]);

    expect((await store.groups.listMembers(tenantId, group.id, { limit: 10 })).items).toEqual(['u-a', 'u-b']);
  });

  it('lists users and groups just created (filters without an index are answered from these listings)', async () => {
    const tenantId = freshTenantId();
    const user = aUser(tenantId);
    const group = aGroup(tenantId);
    await store.users.create(user);
    await store.groups.create(group);

    expect((await store.users.list(tenantId, { limit: 10 })).items.map((u) => u.id)).toEqual([user.id]);
    expect((await store.groups.list(tenantId, { limit: 10 })).items.map((g) => g.id)).toEqual([group.id]);
  });

  it("lists and revokes a user's sessions created a moment ago, so deactivation and \"sign out everywhere\" miss none", async () => {
    const tenantId = freshTenantId();
    const user = aUser(tenantId);
    const now = new Date();
    const session = (n: number) => ({
      sessionHash: `${n}`.repeat(64),
      tenantId,
      userId: user.id,
      kind: 'app' as const,
      createdAt: new Date(now.getTime() + n).toISOString(),
      lastSeenAt: now.toISOString(),
      expiresAt: new Date(now.getTime() + 3_600_000).toISOString(),
    });
    await store.sessions.put(session(1));
    await store.signIns.commit({ claim: { key: `claim-${tenantId}`, value: '1', expiresAt: new Date(now.getTime() + 60_000) }, session: session(2), events: [] });
    await store.sessions.put(session(3));
    await store.sessions.revoke(session(3).sessionHash);

    expect((await store.sessions.listOfUser(tenantId, user.id)).map((s) => s.sessionHash)).toEqual([session(1).sessionHash, session(2).sessionHash]);
    expect(await store.sessions.revokeAllOfUser(tenantId, user.id)).toBe(2);
    replicate();
    expect(await store.sessions.listOfUser(tenantId, user.id)).toEqual([]);
    for (const n of [1, 2, 3]) expect(await store.sessions.get(session(n).sessionHash)).toBeUndefined();
  });

  it('shows an activity event at once in the unfiltered log', async () => {
    const tenantId = freshTenantId();
    await store.activity.record({ tenantId, id: 'e1', at: '2025-01-01T00:00:00.000Z', category: 'admin', type: 'x', actor: 'operator', summary: 'did x' });

    expect((await store.activity.list(tenantId, { limit: 10 })).items.map((e) => e.id)).toEqual(['e1']);
  });
});
