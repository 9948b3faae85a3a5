import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DirectoryEvent } from '../../lambdas/core/events/directory-event';
import { asUserId, type TenantId } from '../../lambdas/core/ids';
import { client, createTenant, createWorld, GROUP_SCHEMA, oktaUser, PATCH_OP, type ScimWorld } from '../scim/harness';
import { readTableEvents } from './support';

/**
 * Real SCIM requests through the SCIM handler on DynamoDB Local; the events come out of the table's stream
 * through the twin's reader and the forwarder: each change is exactly one event of the documented shape.
 */
describe('directory events of SCIM changes', () => {
  let world: ScimWorld;
  let reader: Awaited<ReturnType<typeof readTableEvents>>;
  let tenantId: TenantId;
  let tokenId: string;
  let scim: ReturnType<typeof client>;

  beforeAll(async () => {
    world = await createWorld({}, { stream: true });
    reader = await readTableEvents(world.table.endpoint, world.table.tableName);
    const tenant = await createTenant(world);
    tenantId = tenant.tenantId;
    tokenId = tenant.tokenId;
    scim = client(world, tenantId, tenant.token);
    await reader.sink.waitFor(() => reader.sink.ofTenant(tenantId).some((event) => event.type === 'scim_token.created'));
  });
  afterAll(async () => {
    await reader.cleanup();
    await world.table.drop();
  });

  /**
   * Runs one change and returns the events it produced: waits for `expected` of them, then a grace period
   * (longer than several polls of the reader) in which a stray extra event would show.
   */
  const eventsOf = async (change: () => Promise<unknown>, expected = 1): Promise<DirectoryEvent[]> => {
    const before = reader.sink.ofTenant(tenantId).length;
    await change();
    if (expected > 0) await reader.sink.waitFor(() => reader.sink.ofTenant(tenantId).length >= before + expected);
    await new Promise((resolve) => setTimeout(resolve, 500));
    return reader.sink.ofTenant(tenantId).slice(before);
  };
  const actor = () => `scim-token:${tokenId}`;
  const shape = (event: DirectoryEvent) => {
    expect(event).toMatchObject({ schemaVersion: 1, tenantId, actor: actor() });
    expect(event.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(Number.isNaN(Date.parse(event.occurredAt))).toBe(false);
    expect(typeof event.correlationId).toBe('string');
  };

  it('users: created, updated, deactivated, reactivated, deleted: one event each, versions in order', async () => {
    let id = '';
    const created = await eventsOf(async () => {
      const response = await scim.post('/Users', oktaUser('ann.lee@example.com'));
      expect(response.status).toBe(201);
      id = response.body.id;
    });
    expect(created).toHaveLength(1);
    shape(created[0]!);
    expect(created[0]).toMatchObject({ type: 'user.created', resource: { type: 'user', id, version: 1 }, data: { userName: 'ann.lee@example.com', active: true, email: 'ann.lee@example.com', givenName: 'ann', familyName: 'lee' } });

    const updated = await eventsOf(() => scim.patch(`/Users/${id}`, { schemas: [PATCH_OP], Operations: [{ op: 'replace', path: 'displayName', value: 'Ann L.' }] }));
    expect(updated).toHaveLength(1);
    expect(updated[0]).toMatchObject({ type: 'user.updated', resource: { type: 'user', id, version: 2 }, data: { changedAttributes: ['displayName'], displayName: 'Ann L.' } });

    const deactivated = await eventsOf(() => scim.patch(`/Users/${id}`, { schemas: [PATCH_OP], Operations: [{ op: 'replace', value: { active: false } }] }));
    expect(deactivated).toHaveLength(1);
    expect(deactivated[0]).toMatchObject({ type: 'user.deactivated', resource: { version: 3 }, data: { active: false } });

    const reactivated = await eventsOf(() => scim.patch(`/Users/${id}`, { schemas: [PATCH_OP], Operations: [{ op: 'replace', value: { active: true } }] }));
    expect(reactivated.map((event) => [event.type, event.resource.version])).toEqual([['user.reactivated', 4]]);

    const unchanged = await eventsOf(() => scim.patch(`/Users/${id}`, { schemas: [PATCH_OP], Operations: [{ op: 'replace', path: 'displayName', value: 'Ann L.' }] }), 0);
    expect(unchanged, 'a write that changes nothing is no event').toEqual([]);

    const deleted = await eventsOf(async () => expect((await scim.delete(`/Users/${id}`)).status).toBe(204));
    expect(deleted.map((event) => [event.type, event.resource.version])).toEqual([['user.deleted', 5]]);
    shape(deleted[0]!);
  });

  it('groups: created, members added and removed, renamed, deleted: one event each', async () => {
    const ids: string[] = [];
    for (const name of ['bo.kim@example.com', 'cy.ray@example.com']) ids.push((await scim.post('/Users', oktaUser(name))).body.id);
    await reader.sink.waitFor(() => reader.sink.ofTenant(tenantId).filter((event) => event.type === 'user.created').length >= 3);

    let groupId = '';
    const created = await eventsOf(async () => {
      groupId = (await scim.post('/Groups', { schemas: [GROUP_SCHEMA], displayName: 'Engineering', members: [] })).body.id;
    });
    expect(created).toHaveLength(1);
    shape(created[0]!);
    expect(created[0]).toMatchObject({ type: 'group.created', resource: { type: 'group', id: groupId, version: 1 }, data: { displayName: 'Engineering' } });

    const added = await eventsOf(() => scim.patch(`/Groups/${groupId}`, { schemas: [PATCH_OP], Operations: [{ op: 'add', path: 'members', value: ids.map((value) => ({ value })) }] }));
    expect(added).toHaveLength(1);
    expect(added[0]).toMatchObject({ type: 'group.members.added', resource: { type: 'group', id: groupId, version: 2 }, data: { groupId } });
    expect([...(added[0]!.data.userIds as string[])].sort()).toEqual([...ids].sort());

    const removed = await eventsOf(() => scim.patch(`/Groups/${groupId}`, { schemas: [PATCH_OP], Operations: [{ op: 'remove', path: `members[value eq "${ids[0]}"]` }] }));
    expect(removed.map((event) => [event.type, event.resource.version, event.data.userIds])).toEqual([['group.members.removed', 3, [ids[0]]]]);

    const renamed = await eventsOf(() => scim.patch(`/Groups/${groupId}`, { schemas: [PATCH_OP], Operations: [{ op: 'replace', path: 'displayName', value: 'Platform' }] }));
    expect(renamed).toHaveLength(1);
    expect(renamed[0]).toMatchObject({ type: 'group.renamed', resource: { version: 4 }, data: { displayName: 'Platform', previousDisplayName: 'Engineering' } });

    const deleted = await eventsOf(() => scim.delete(`/Groups/${groupId}`));
    expect(deleted.map((event) => [event.type, event.resource.version])).toEqual([['group.deleted', 5]]);
  });

  it('a user deleted while in a group: the deletion and the membership removal, each with its own transaction', async () => {
    const userId = (await scim.post('/Users', oktaUser('di.fox@example.com'))).body.id;
    const groupId = (await scim.post('/Groups', { schemas: [GROUP_SCHEMA], displayName: 'Sales', members: [{ value: userId }] })).body.id;
    await reader.sink.waitFor(() => reader.sink.ofTenant(tenantId).some((event) => event.type === 'group.members.added' && event.resource.id === groupId));
    const events = await eventsOf(() => scim.delete(`/Users/${userId}`), 2);
    expect(events.map((event) => event.type).sort()).toEqual(['group.members.removed', 'user.deleted']);
    expect(events.find((event) => event.type === 'group.members.removed')).toMatchObject({ resource: { id: groupId, version: 3 }, data: { userIds: [userId] } });
  });

  it('a refused write is no event: a taken userName (409), a stale If-Match (412)', async () => {
    const first = await scim.post('/Users', oktaUser('ed.sun@example.com'));
    await reader.sink.waitFor(() => reader.sink.ofTenant(tenantId).some((event) => event.resource.id === first.body.id));
    const taken = await eventsOf(async () => expect((await scim.post('/Users', oktaUser('ed.sun@example.com'))).status).toBe(409), 0);
    expect(taken).toEqual([]);
    const stale = await eventsOf(async () =>
      expect((await scim.patch(`/Users/${first.body.id}`, { schemas: [PATCH_OP], Operations: [{ op: 'replace', path: 'displayName', value: 'X' }] }, { 'if-match': 'W/"99"' })).status).toBe(412),
      0,
    );
    expect(stale).toEqual([]);
  });

  it('a deletion cut short between its writes (user deleted, sessions not yet ended) is finished by the IdP retrying it', async () => {
    let id = '';
    await eventsOf(async () => {
      id = String((await scim.post('/Users', oktaUser('cut.short.delete@example.com'))).body.id);
    });
    const now = world.clock.now();
    const sessionHash = 'd'.repeat(64);
    await world.adapters.sessions.put({ sessionHash, tenantId, userId: asUserId(id), kind: 'app', createdAt: now.toISOString(), lastSeenAt: now.toISOString(), expiresAt: new Date(now.getTime() + 3_600_000).toISOString() });
    world.rebuild({ sessions: Object.assign(Object.create(world.adapters.sessions) as typeof world.adapters.sessions, { revokeAllOfUser: () => Promise.reject(new Error('Lambda timed out')) }) });
    const cut = await eventsOf(async () => expect((await scim.delete(`/Users/${id}`)).status).toBe(500));
    expect(cut.map((event) => event.type)).toEqual(['user.deleted']);
    world.rebuild();
    const retried = await eventsOf(async () => expect((await scim.delete(`/Users/${id}`)).status).toBe(404));
    expect(retried.map((event) => [event.type, event.data.reason])).toEqual([['session.ended', 'deleted']]);
    expect(await world.adapters.sessions.get(sessionHash)).toBeUndefined();
  });

  it('a deactivation cut short between its two writes (user saved, sessions not yet ended) is finished by the IdP retrying it', async () => {
    let id = '';
    await eventsOf(async () => {
      id = String((await scim.post('/Users', oktaUser('cut.short@example.com'))).body.id);
    });
    const now = world.clock.now();
    const sessionHash = 'c'.repeat(64);
    await world.adapters.sessions.put({ sessionHash, tenantId, userId: asUserId(id), kind: 'app', createdAt: now.toISOString(), lastSeenAt: now.toISOString(), expiresAt: new Date(now.getTime() + 3_600_000).toISOString() });
    const deactivate = () => scim.patch(`/Users/${id}`, { schemas: [PATCH_OP], Operations: [{ op: 'replace', value: { active: false } }] });
    // The Lambda dies after the user's write, before the sessions end: the IdP sees a 5xx and retries.
    world.rebuild({ sessions: Object.assign(Object.create(world.adapters.sessions) as typeof world.adapters.sessions, { revokeAllOfUser: () => Promise.reject(new Error('Lambda timed out')) }) });
    const cut = await eventsOf(async () => expect((await deactivate()).status).toBe(500));
    expect(cut.map((event) => event.type)).toEqual(['user.deactivated']);
    world.rebuild();
    const retried = await eventsOf(async () => expect((await deactivate()).status).toBe(200));
    expect(retried.map((event) => [event.type, event.data.reason])).toEqual([['session.ended', 'deactivated']]);
    expect(await world.adapters.sessions.get(sessionHash)).toBeUndefined();
  });
});
