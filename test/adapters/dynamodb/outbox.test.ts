import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDynamoAdapters, type DynamoAdapters } from '../../../lambdas/adapters/dynamodb';
import { OUTBOX_PREFIX, OUTBOX_TTL_SEC } from '../../../lambdas/adapters/dynamodb/outbox';
import { actingAs } from '../../../lambdas/core/events/change-context';
import type { DirectoryEvent } from '../../../lambdas/core/events/directory-event';
import { PreconditionFailedError } from '../../../lambdas/core/errors';
import { asGroupId, asUserId, type TenantId } from '../../../lambdas/core/ids';
import type { User } from '../../../lambdas/core/identity/user';
import type { Session } from '../../../lambdas/core/sessions/ports';
import { oidcSid } from '../../../lambdas/core/sessions/sid';
import { createTestTable, type TestTable } from '../../support/dynamo';
import { freshTenantId } from './fixtures';

/** The outbox as stored: every event a write put in its transaction (read straight from the table). */
let table: TestTable;
let store: DynamoAdapters;
beforeAll(async () => {
  table = await createTestTable();
  store = createDynamoAdapters({ db: table.db, tableName: table.tableName });
});
afterAll(async () => table.drop());

async function outbox(tenantId: TenantId): Promise<(DirectoryEvent & { expiresAt: number })[]> {
  const items: Record<string, unknown>[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const page = await table.rawDb.send(new ScanCommand({ TableName: table.tableName, FilterExpression: 'begins_with(pk, :p)', ExpressionAttributeValues: { ':p': `${OUTBOX_PREFIX}${tenantId}#` }, ExclusiveStartKey: start, ConsistentRead: true }));
    items.push(...(page.Items ?? []));
    start = page.LastEvaluatedKey;
  } while (start);
  return items.map((item) => ({ ...(JSON.parse(String(item.event)) as DirectoryEvent), expiresAt: Number(item.expiresAt) })).sort((a, b) => a.occurredAt.localeCompare(b.occurredAt) || a.resource.version - b.resource.version);
}

const aUser = (tenantId: TenantId, name: string): User => {
  const now = new Date().toISOString();
  return { tenantId, id: asUserId(`${name}-${Math.random().toString(36).slice(2, 8)}`), userName: `${name}@outbox.test`, active: true, emails: [], profile: {}, source: 'scim', isAdmin: false, createdAt: now, updatedAt: now, version: 1 };
};

describe('the outbox: events in the same transaction as the change', () => {
  it('a write that fails its condition writes no event (a taken userName, a stale version)', async () => {
    const tenantId = freshTenantId();
    const user = aUser(tenantId, 'ann');
    await store.users.create(user);
    await expect(store.users.create({ ...aUser(tenantId, 'ann'), userName: user.userName })).rejects.toThrow(/already taken/);
    await expect(store.users.replace({ ...user, displayName: 'X', version: 3 }, 2)).rejects.toBeInstanceOf(PreconditionFailedError);
    const events = await outbox(tenantId);
    expect(events.map((event) => event.type)).toEqual(['user.created']);
    expect(events[0]!.expiresAt - Date.now() / 1000).toBeGreaterThan(OUTBOX_TTL_SEC - 60);
  });

  it('a membership change of many users: one event per transaction, each at the group version it wrote', async () => {
    const tenantId = freshTenantId();
    const groupId = asGroupId('big');
    const now = new Date().toISOString();
    await store.groups.create({ tenantId, id: groupId, displayName: 'Big', profile: {}, memberCount: 0, createdAt: now, updatedAt: now, version: 1 });
    const userIds = Array.from({ length: 120 }, (_, i) => asUserId(`u${String(i).padStart(3, '0')}`));
    await actingAs({ actor: 'scim-token:t1', correlationId: 'c1' }, () => store.groups.addMembers(tenantId, groupId, userIds));
    await store.groups.removeMembers(tenantId, groupId, userIds.slice(0, 10));
    const events = (await outbox(tenantId)).filter((event) => event.type.startsWith('group.members'));
    expect(events.map((event) => [event.type, event.resource.version, (event.data.userIds as string[]).length])).toEqual([
      ['group.members.added', 2, 48],
      ['group.members.added', 3, 48],
      ['group.members.added', 4, 24],
      ['group.members.removed', 5, 10],
    ]);
    expect(new Set(events.slice(0, 3).flatMap((event) => event.data.userIds as string[]))).toEqual(new Set(userIds));
    expect(events[0]).toMatchObject({ actor: 'scim-token:t1', correlationId: 'c1' });
    expect(events[3]!.actor, 'outside any unit of work the system acts').toBe('system');
    expect((await store.groups.get(tenantId, groupId))?.version).toBe(5);
  });

  it('ending sessions: one session.ended per live app session, once; admin and expired sessions end silently', async () => {
    const tenantId = freshTenantId();
    const userId = asUserId('sue');
    const session = (kind: 'app' | 'admin', minutes = 30): Session => {
      const now = new Date();
      return { sessionHash: Math.random().toString(16).slice(2).padEnd(16, '0'), tenantId, userId, kind, createdAt: now.toISOString(), lastSeenAt: now.toISOString(), expiresAt: new Date(now.getTime() + minutes * 60_000).toISOString() };
    };
    const [app1, app2, admin, expired, single] = [session('app'), session('app'), session('admin'), session('app', -1), session('app')];
    for (const s of [app1, app2, admin, expired, single]) await store.sessions.put(s);
    await store.sessions.revoke(single.sessionHash);
    await store.sessions.revoke(single.sessionHash);
    expect(await store.sessions.revokeAllOfUser(tenantId, userId, 'deactivated')).toBe(3);
    const ended = await outbox(tenantId);
    expect(ended.map((event) => [event.resource.id, event.data.reason]).sort()).toEqual(
      [
        [oidcSid(single.sessionHash), 'logout'],
        [oidcSid(app1.sessionHash), 'deactivated'],
        [oidcSid(app2.sessionHash), 'deactivated'],
      ].sort(),
    );
    expect(await store.sessions.listOfUser(tenantId, userId)).toEqual([]);
  });

  it('SCIM tokens: created once, revoked once', async () => {
    const tenantId = freshTenantId();
    await store.scimTokens.put({ tenantId, tokenId: 'tok_1', hint: 'natoma_scim_ab…', createdAt: new Date().toISOString() });
    await store.scimTokens.delete(tenantId, 'tok_1');
    await store.scimTokens.delete(tenantId, 'tok_1');
    expect((await outbox(tenantId)).map((event) => [event.type, event.resource, event.data.hint])).toEqual([
      ['scim_token.created', { type: 'scim_token', id: 'tok_1', version: 1 }, 'natoma_scim_ab…'],
      ['scim_token.revoked', { type: 'scim_token', id: 'tok_1', version: 2 }, 'natoma_scim_ab…'],
    ]);
  });
});
