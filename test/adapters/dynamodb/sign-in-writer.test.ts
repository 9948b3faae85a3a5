import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDynamoAdapters, type DynamoAdapters } from '../../../lambdas/adapters/dynamodb';
import { asUserId } from '../../../lambdas/core/ids';
import type { SignInRecord } from '../../../lambdas/core/sessions/ports';
import { countingClient } from '../../support/counting-client';
import { createTestTable, type TestTable } from '../../support/dynamo';
import { freshTenantId } from './fixtures';

let table: TestTable;
let store: DynamoAdapters;
let counting: ReturnType<typeof countingClient>;

beforeAll(async () => {
  table = await createTestTable();
  counting = countingClient(table.db);
  store = createDynamoAdapters({ db: counting.db, tableName: table.tableName });
});
afterAll(async () => table.drop());

function aRecord(claimKey: string): SignInRecord {
  const tenantId = freshTenantId();
  const now = new Date();
  return {
    claim: { key: claimKey, value: '1', expiresAt: new Date(now.getTime() + 5 * 60_000) },
    session: { sessionHash: randomUUID(), tenantId, userId: asUserId('u1'), kind: 'app', createdAt: now.toISOString(), lastSeenAt: now.toISOString(), expiresAt: new Date(now.getTime() + 3_600_000).toISOString() },
    grant: { key: `admin-link:${randomUUID()}`, value: '{}', expiresAt: new Date(now.getTime() + 60_000) },
    events: [{ tenantId, id: randomUUID(), at: now.toISOString(), category: 'sign-in', type: 'login.succeeded', actor: 'user:u1', summary: 'signed in' }],
  };
}

describe('DynamoSignInWriter', () => {
  it('writes the claim, session, grant and event in one call', async () => {
    const record = aRecord(`saml-assertion:t:${randomUUID()}`);
    const { result, counts } = await counting.measure(() => store.signIns.commit(record));
    expect(result).toBe(true);
    expect(counts.calls).toEqual({ TransactWriteCommand: 1 });
    expect(await store.ephemeral.get(record.claim.key)).toBe('1');
    expect(await store.sessions.get(record.session!.sessionHash)).toMatchObject({ userId: 'u1' });
    expect(await store.ephemeral.get(record.grant!.key)).toBe('{}');
    expect((await store.activity.list(record.events[0]!.tenantId, { limit: 5 })).items).toHaveLength(1);
  });

  it('writes nothing when the claim is taken (a replay)', async () => {
    const key = `saml-assertion:t:${randomUUID()}`;
    expect(await store.signIns.commit(aRecord(key))).toBe(true);
    const replay = aRecord(key);
    expect(await store.signIns.commit(replay)).toBe(false);
    expect(await store.sessions.get(replay.session!.sessionHash)).toBeUndefined();
    expect(await store.ephemeral.get(replay.grant!.key)).toBeUndefined();
    expect((await store.activity.list(replay.events[0]!.tenantId, { limit: 5 })).items).toHaveLength(0);
  });

  it('lets exactly one of concurrent commits of the same claim through', async () => {
    const key = `saml-assertion:t:${randomUUID()}`;
    const results = await Promise.all(Array.from({ length: 6 }, () => store.signIns.commit(aRecord(key))));
    expect(results.filter(Boolean)).toHaveLength(1);
  });

  it('reuses an expired claim', async () => {
    const key = `saml-assertion:t:${randomUUID()}`;
    await store.ephemeral.put(key, '1', new Date(Date.now() - 1000));
    expect(await store.signIns.commit(aRecord(key))).toBe(true);
  });
});
