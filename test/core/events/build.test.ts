import { describe, expect, it } from 'vitest';
import { DirectoryEvents } from '../../../lambdas/core/events/build';
import { actingAs, currentChange } from '../../../lambdas/core/events/change-context';
import type { Group } from '../../../lambdas/core/identity/group';
import type { User } from '../../../lambdas/core/identity/user';
import { asGroupId, asTenantId, asUserId } from '../../../lambdas/core/ids';
import type { Session } from '../../../lambdas/core/sessions/ports';
import { oidcSid } from '../../../lambdas/core/sessions/sid';
import { sha256Hex } from '../../../lambdas/core/digest';

const at = new Date('2026-01-02T03:04:05.000Z');
const build = new DirectoryEvents({ now: () => at });
const tenantId = asTenantId('t00000000000a');
const by = { actor: 'scim-token:tok_1', correlationId: 'req-1' };
const user: User = { tenantId, id: asUserId('u1'), userName: 'ann@example.com', active: true, displayName: 'Ann', name: { givenName: 'Ann', familyName: 'Lee' }, emails: [{ value: 'ann@example.com', primary: true }], profile: { title: 'CTO' }, source: 'scim', isAdmin: false, createdAt: at.toISOString(), updatedAt: at.toISOString(), version: 1 };
const group: Group = { tenantId, id: asGroupId('g1'), displayName: 'Eng', profile: {}, memberCount: 0, createdAt: at.toISOString(), updatedAt: at.toISOString(), version: 1 };

describe('DirectoryEvents: one event per change, typed by core', () => {
  it('fills the envelope: id, schema version, tenant, time, resource version, actor, correlation ID', () => {
    const event = build.userCreated(user, by);
    expect(event).toEqual({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      schemaVersion: 1,
      type: 'user.created',
      tenantId,
      occurredAt: at.toISOString(),
      resource: { type: 'user', id: 'u1', version: 1 },
      actor: 'scim-token:tok_1',
      correlationId: 'req-1',
      data: { userName: 'ann@example.com', active: true, displayName: 'Ann', givenName: 'Ann', familyName: 'Lee', email: 'ann@example.com' },
    });
    expect(build.userCreated(user, by).id, 'ids are unique').not.toBe(event.id);
  });

  it('a user write is deactivated/reactivated when `active` changed (naming other changes too), else updated, else nothing', () => {
    const next = (over: Partial<User>): User => ({ ...user, ...over, version: 2 });
    expect(build.userReplaced(user, next({ active: false, displayName: 'A' }), by).map((e) => [e.type, e.data.changedAttributes])).toEqual([['user.deactivated', ['displayName']]]);
    expect(build.userReplaced({ ...user, active: false }, next({ active: true }), by).map((e) => e.type)).toEqual(['user.reactivated']);
    expect(build.userReplaced(user, next({ profile: { title: 'CEO' } }), by).map((e) => [e.type, e.resource.version, e.data.changedAttributes])).toEqual([['user.updated', 2, ['title']]]);
    expect(build.userReplaced(user, next({}), by)).toEqual([]);
  });

  it('deletions take the version after the last one, so they order last', () => {
    expect(build.userDeleted({ ...user, version: 7 }, by).resource).toEqual({ type: 'user', id: 'u1', version: 8 });
    expect(build.groupDeleted({ ...group, version: 3 }, by).resource).toEqual({ type: 'group', id: 'g1', version: 4 });
  });

  it('a group write is an event only when it renames the group', () => {
    expect(build.groupReplaced(group, { ...group, displayName: 'Platform', version: 2 }, by).map((e) => [e.type, e.data])).toEqual([['group.renamed', { displayName: 'Platform', previousDisplayName: 'Eng' }]]);
    expect(build.groupReplaced(group, { ...group, externalId: 'x', version: 2 }, by)).toEqual([]);
  });

  it('membership batches carry the group version after the batch and the user ids', () => {
    const event = build.membersChanged('added', tenantId, group.id, 5, [asUserId('u1'), asUserId('u2')], by);
    expect(event).toMatchObject({ type: 'group.members.added', resource: { type: 'group', id: 'g1', version: 5 }, data: { groupId: 'g1', userIds: ['u1', 'u2'] } });
  });

  it('session.ended for app sessions only, with the OIDC sid of the session', () => {
    const session: Session = { sessionHash: sha256Hex('cookie'), tenantId, userId: user.id, kind: 'app', createdAt: '', lastSeenAt: '', expiresAt: '' };
    const sid = oidcSid(session.sessionHash);
    expect(sid).toMatch(/^[0-9a-f]{32}$/);
    expect(build.sessionEnded(session, 'deactivated', by)).toMatchObject({ type: 'session.ended', resource: { type: 'session', id: sid, version: 1 }, data: { userId: 'u1', sid, reason: 'deactivated' } });
    expect(build.sessionEnded({ ...session, kind: 'admin' }, 'logout', by)).toBeUndefined();
  });

  it('an SSO activation is an event only when the active configuration changes', () => {
    const config = { configId: 'c2', entityId: 'https://idp' } as never;
    const tenant = { id: tenantId, version: 4, sso: { active: config } } as never;
    expect(build.tenantReplaced({ id: tenantId, version: 3, sso: {} } as never, tenant, by).map((e) => [e.type, e.resource.version, e.data])).toEqual([['sso.configuration.activated', 4, { configId: 'c2', entityId: 'https://idp' }]]);
    expect(build.tenantReplaced(tenant, { ...(tenant as object), version: 5 } as never, by)).toEqual([]);
  });

  it('who acts comes from the unit of work, else the system', async () => {
    expect(currentChange()).toEqual({ actor: 'system' });
    await actingAs(by, async () => {
      await Promise.resolve();
      expect(currentChange()).toEqual(by);
    });
  });
});
