import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDynamoAdapters, type DynamoAdapters } from '../../../lambdas/adapters/dynamodb';
import type { Clock } from '../../../lambdas/core/clock';
import { asUserId } from '../../../lambdas/core/ids';
import type { Session } from '../../../lambdas/core/sessions/ports';
import { createTestTable, type TestTable } from '../../support/dynamo';
import { freshTenantId } from './fixtures';

let table: TestTable;
let store: DynamoAdapters;
// Near real time: DynamoDB Local applies TTL against its own clock, and hides items expired by it.
let now = new Date(Math.floor(Date.now() / 1000) * 1000);
const clock: Clock = { now: () => now };

beforeAll(async () => {
  table = await createTestTable();
  store = createDynamoAdapters({ db: table.db, tableName: table.tableName, clock });
});
afterAll(async () => table.drop());

const minutesFromNow = (minutes: number) => new Date(now.getTime() + minutes * 60_000);
const randomHash = () => Math.random().toString(16).slice(2).padEnd(16, '0');

function aSession(overrides: Partial<Session> = {}): Session {
  return {
    sessionHash: randomHash(),
    tenantId: freshTenantId(),
    userId: asUserId('u1'),
    kind: 'app',
    createdAt: now.toISOString(),
    lastSeenAt: now.toISOString(),
    expiresAt: minutesFromNow(30).toISOString(),
    attributes: { sessionIndex: '_abc' },
    ...overrides,
  };
}

describe('sessions', () => {
  it('returns a stored session until it expires, then treats it as absent', async () => {
    const session = aSession({ csrfToken: 'csrf' });
    await store.sessions.put(session);

    expect(await store.sessions.get(session.sessionHash)).toEqual(session);
    const saved = now;
    now = minutesFromNow(31);
    expect(await store.sessions.get(session.sessionHash)).toBeUndefined();
    now = saved;
  });

  it('extends a session on touch, but never brings back a revoked one', async () => {
    const session = aSession();
    const revoked = aSession();
    await store.sessions.put(session);
    await store.sessions.put(revoked);
    await store.sessions.revoke(revoked.sessionHash);

    await store.sessions.touch(session.sessionHash, minutesFromNow(10), minutesFromNow(40));
    await store.sessions.touch(revoked.sessionHash, minutesFromNow(10), minutesFromNow(40));

    expect(await store.sessions.get(session.sessionHash)).toMatchObject({
      lastSeenAt: minutesFromNow(10).toISOString(),
      expiresAt: minutesFromNow(40).toISOString(),
    });
    expect(await store.sessions.get(revoked.sessionHash)).toBeUndefined();
  });

  it("revokes all of one user's sessions and no one else's", async () => {
    const tenantId = freshTenantId();
    const mine = [aSession({ tenantId }), aSession({ tenantId, kind: 'admin' }), aSession({ tenantId })];
    const colleague = aSession({ tenantId, userId: asUserId('u2') });
    const sameUserIdOtherTenant = aSession();
    await Promise.all([...mine, colleague, sameUserIdOtherTenant].map((session) => store.sessions.put(session)));
    await table.settle(); // a user's sessions are a GSI query: eventually consistent by design

    expect(await store.sessions.listOfUser(tenantId, asUserId('u1'))).toHaveLength(3);
    expect(await store.sessions.revokeAllOfUser(tenantId, asUserId('u1'))).toBe(3);

    for (const session of mine) expect(await store.sessions.get(session.sessionHash)).toBeUndefined();
    expect(await store.sessions.get(colleague.sessionHash)).toBeDefined();
    expect(await store.sessions.get(sameUserIdOtherTenant.sessionHash)).toBeDefined();
    await table.settle();
    expect(await store.sessions.listOfUser(tenantId, asUserId('u1'))).toEqual([]);
  });
});

describe('ephemeral values', () => {
  it('gives a value to exactly one of many concurrent takes', async () => {
    await store.ephemeral.put('saml-assertion:t1:_id1', 'used', minutesFromNow(5));

    const taken = await Promise.all(Array.from({ length: 10 }, () => store.ephemeral.take('saml-assertion:t1:_id1')));

    expect(taken.filter((value) => value === 'used')).toHaveLength(1);
    expect(taken.filter((value) => value === undefined)).toHaveLength(9);
    expect(await store.ephemeral.get('saml-assertion:t1:_id1')).toBeUndefined();
  });

  it('stores with putIfAbsent only when the key is free, or its value expired', async () => {
    expect(await store.ephemeral.putIfAbsent('saml-request:r1', 'first', minutesFromNow(5))).toBe(true);
    expect(await store.ephemeral.putIfAbsent('saml-request:r1', 'second', minutesFromNow(5))).toBe(false);
    expect(await store.ephemeral.get('saml-request:r1')).toBe('first');

    const saved = now;
    now = minutesFromNow(6);
    expect(await store.ephemeral.get('saml-request:r1')).toBeUndefined();
    expect(await store.ephemeral.putIfAbsent('saml-request:r1', 'third', minutesFromNow(5))).toBe(true);
    expect(await store.ephemeral.get('saml-request:r1')).toBe('third');
    now = saved;
  });

  it('lets exactly one of many concurrent putIfAbsent calls claim a key (replay detection)', async () => {
    const claims = await Promise.all(Array.from({ length: 10 }, (_, i) => store.ephemeral.putIfAbsent('saml-assertion:t1:_replayed', String(i), minutesFromNow(5))));
    expect(claims.filter(Boolean)).toHaveLength(1);
  });

  it('grants exactly `limit` of many concurrent quota claims on a key (a rate limit across instances)', async () => {
    const claims = await Promise.all(Array.from({ length: 12 }, () => store.ephemeral.claimQuota('activity-quota:t1:1', 5, minutesFromNow(10))));
    expect(claims.filter(Boolean)).toHaveLength(5);
    expect(await store.ephemeral.claimQuota('activity-quota:t1:1', 5, minutesFromNow(10))).toBe(false);
    expect(await store.ephemeral.claimQuota('activity-quota:t1:2', 5, minutesFromNow(10))).toBe(true);
  });

  it('does not hand out an expired value on take', async () => {
    await store.ephemeral.put('admin-link:h1', 'link', minutesFromNow(1));
    const saved = now;
    now = minutesFromNow(2);
    expect(await store.ephemeral.take('admin-link:h1')).toBeUndefined();
    now = saved;
  });

  it('keeps keys containing separators apart', async () => {
    await store.ephemeral.put('a#b', 'one', minutesFromNow(5));
    await store.ephemeral.put('a', 'two', minutesFromNow(5));
    await store.ephemeral.delete('a');

    expect(await store.ephemeral.get('a#b')).toBe('one');
    expect(await store.ephemeral.get('a')).toBeUndefined();
  });
});
