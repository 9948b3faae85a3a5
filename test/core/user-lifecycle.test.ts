import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDynamoAdapters, type DynamoAdapters } from '../../lambdas/adapters/dynamodb/index';
import { PreconditionFailedError } from '../../lambdas/core/errors';
import { changedAttributes, lifecycleStepOf, UserLifecycle } from '../../lambdas/core/identity/lifecycle';
import { ProvisioningActivity } from '../../lambdas/core/identity/provisioning-activity';
import type { User } from '../../lambdas/core/identity/user';
import { asGroupId, asTenantId, asUserId, newResourceId, type TenantId } from '../../lambdas/core/ids';
import { createTestTable, type TestTable } from '../support/dynamo';

// The lifecycle against the real storage adapters on DynamoDB Local: sessions, memberships and events are
// what a tenant admin sees change.
describe('the user lifecycle', () => {
  // Each reading is a second later, so the activity page has a definite order.
  let tick = Date.parse('2026-03-01T10:00:00.000Z');
  const clock = { now: () => new Date((tick += 1000)) };
  const by = { actor: 'scim-token:tok1', correlationId: 'corr-lifecycle-1' };
  let table: TestTable;
  let adapters: DynamoAdapters;
  let lifecycle: UserLifecycle;
  let seq = 0;

  beforeAll(async () => {
    table = await createTestTable();
    adapters = createDynamoAdapters({ db: table.db, tableName: table.tableName, clock });
    lifecycle = new UserLifecycle({ users: adapters.users, sessions: adapters.sessions, activity: new ProvisioningActivity(adapters.activity, clock) });
  });
  afterAll(async () => table.drop());

  const newTenant = (): TenantId => asTenantId(`tlife${String(++seq).padStart(4, '0')}`);

  function userOf(tenantId: TenantId, userName: string, active = true): User {
    const at = clock.now().toISOString();
    return { tenantId, id: asUserId(newResourceId()), userName, active, emails: [{ value: userName, primary: true }], profile: {}, source: 'scim', isAdmin: false, createdAt: at, updatedAt: at, version: 1 };
  }

  async function signIn(user: User, n: number): Promise<void> {
    const at = clock.now();
    await adapters.sessions.put({
      sessionHash: `${user.id.replace(/-/g, '')}${String(n)}`.padEnd(64, '0'),
      tenantId: user.tenantId,
      userId: user.id,
      kind: 'app',
      createdAt: at.toISOString(),
      lastSeenAt: at.toISOString(),
      expiresAt: new Date(at.getTime() + 3_600_000).toISOString(),
    });
    // A user's sessions are listed through an eventually consistent index (see DynamoSessionStore): wait
    // until it shows this one, so that what follows tests the lifecycle, not the index's lag.
    for (let waited = 0; (await adapters.sessions.listOfUser(user.tenantId, user.id)).length < n && waited < 5000; waited += 50) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  async function events(tenantId: TenantId): Promise<{ type: string; summary: string; actor: string; correlationId?: string }[]> {
    return (await adapters.activity.list(tenantId, { limit: 50 })).items.reverse();
  }

  const next = (user: User, changes: Partial<User>): User => ({ ...user, ...changes, version: user.version + 1 });

  it('deactivation revokes every session of that user at once, and only theirs', async () => {
    const tenantId = newTenant();
    const ann = userOf(tenantId, 'ann@acme.test');
    const bob = userOf(tenantId, 'bob@acme.test');
    await lifecycle.create(ann, by);
    await lifecycle.create(bob, by);
    await signIn(ann, 1);
    await signIn(ann, 2);
    await signIn(bob, 1);

    await lifecycle.replace(ann, next(ann, { active: false }), by);

    expect(await adapters.sessions.listOfUser(tenantId, ann.id)).toEqual([]);
    expect(await adapters.sessions.listOfUser(tenantId, bob.id)).toHaveLength(1);
    expect((await adapters.users.get(tenantId, ann.id))?.active).toBe(false);
    const deactivated = (await events(tenantId)).filter((e) => e.type === 'user.deactivated');
    expect(deactivated).toEqual([expect.objectContaining({ summary: 'User ann@acme.test deactivated; 2 session(s) revoked', actor: by.actor, correlationId: by.correlationId })]);
  });

  it('reactivation restores sign-in but not the revoked sessions, and says so in the activity', async () => {
    const tenantId = newTenant();
    const cat = userOf(tenantId, 'cat@acme.test');
    await lifecycle.create(cat, by);
    await signIn(cat, 1);
    const inactive = next(cat, { active: false });
    await lifecycle.replace(cat, inactive, by);

    await lifecycle.replace(inactive, next(inactive, { active: true, displayName: 'Cat' }), by);

    expect((await adapters.users.get(tenantId, cat.id))?.active).toBe(true);
    expect(await adapters.sessions.listOfUser(tenantId, cat.id)).toEqual([]);
    expect((await events(tenantId)).map((e) => e.type)).toEqual(['user.created', 'user.deactivated', 'user.reactivated', 'user.updated']);
    expect((await events(tenantId)).at(-1)?.summary).toBe('User cat@acme.test updated: displayName');
  });

  it('a write based on a stale version changes nothing: no session revoked, no event', async () => {
    const tenantId = newTenant();
    const dan = userOf(tenantId, 'dan@acme.test');
    await lifecycle.create(dan, by);
    await signIn(dan, 1);
    await lifecycle.replace(dan, next(dan, { displayName: 'Dan' }), by);

    await expect(lifecycle.replace(dan, next(dan, { active: false }), by)).rejects.toBeInstanceOf(PreconditionFailedError);

    expect(await adapters.sessions.listOfUser(tenantId, dan.id)).toHaveLength(1);
    expect((await adapters.users.get(tenantId, dan.id))?.active).toBe(true);
    expect((await events(tenantId)).map((e) => e.type)).toEqual(['user.created', 'user.updated']);
  });

  it('deletion removes the user, their memberships and every session', async () => {
    const tenantId = newTenant();
    const eve = userOf(tenantId, 'eve@acme.test');
    await lifecycle.create(eve, by);
    const at = clock.now().toISOString();
    const groupId = asGroupId(newResourceId());
    await adapters.groups.create({ tenantId, id: groupId, displayName: 'Ops', profile: {}, memberCount: 0, createdAt: at, updatedAt: at, version: 1 });
    await adapters.groups.addMembers(tenantId, groupId, [eve.id]);
    await signIn(eve, 1);

    await lifecycle.delete(eve, by);

    expect(await adapters.users.get(tenantId, eve.id)).toBeUndefined();
    expect(await adapters.sessions.listOfUser(tenantId, eve.id)).toEqual([]);
    expect((await adapters.groups.get(tenantId, groupId))?.memberCount).toBe(0);
    expect((await events(tenantId)).map((e) => `${e.type}: ${e.summary}`)).toEqual(['user.created: User eve@acme.test created', 'user.deleted: User eve@acme.test deleted']);
  });

  it('says when a user is created inactive', async () => {
    const tenantId = newTenant();
    await lifecycle.create(userOf(tenantId, 'fay@acme.test', false), by);
    expect((await events(tenantId)).map((e) => e.summary)).toEqual(['User fay@acme.test created (inactive)']);
  });
});

describe('lifecycle rules without storage', () => {
  const base: User = {
    tenantId: asTenantId('tpure0001'),
    id: asUserId('u-1'),
    userName: 'a@acme.test',
    active: true,
    emails: [],
    profile: { title: 'Engineer' },
    source: 'scim',
    isAdmin: false,
    createdAt: '2026-01-01T00:00:00.000Z',
    updatedAt: '2026-01-01T00:00:00.000Z',
    version: 1,
  };

  it('names the step a write takes a user through', () => {
    expect(lifecycleStepOf({ active: true }, { active: false })).toBe('deactivated');
    expect(lifecycleStepOf({ active: false }, { active: true })).toBe('reactivated');
    expect(lifecycleStepOf({ active: true }, { active: true })).toBeUndefined();
    expect(lifecycleStepOf({ active: false }, { active: false })).toBeUndefined();
  });

  it('lists the changed attributes, profile ones by name, and never the status', () => {
    const after: User = { ...base, active: false, displayName: 'A', profile: { title: 'Lead', department: 'R&D' } };
    expect(changedAttributes(base, after)).toEqual(['displayName', 'title', 'department']);
    expect(changedAttributes(base, { ...base, active: false })).toEqual([]);
  });
});
