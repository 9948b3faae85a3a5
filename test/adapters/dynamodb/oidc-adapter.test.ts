import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoOidcAdapter } from '../../../lambdas/adapters/dynamodb/oidc-adapter';
import type { Clock } from '../../../lambdas/core/clock';
import { createTestTable, type TestTable } from '../../support/dynamo';

/** oidc-provider's storage on the one table, on DynamoDB Local (TWIN_FIDELITY=aws adds replication lag: reads here are consistent). */
describe('DynamoOidcAdapter', () => {
  let table: TestTable;
  let now = new Date('2026-01-01T00:00:00Z');
  const clock: Clock = { now: () => now };
  const adapter = (model: string) => new DynamoOidcAdapter({ db: table.db, tableName: table.tableName, clock }, model);
  beforeAll(async () => {
    table = await createTestTable();
  });
  afterAll(async () => table?.drop());

  it('stores, finds, consumes and destroys an artefact; an expired one is absent before TTL removes it', async () => {
    const codes = adapter('AuthorizationCode');
    await codes.upsert('code-1', { grantId: 'g1', accountId: 'a' }, 60);
    expect(await codes.find('code-1')).toMatchObject({ grantId: 'g1', accountId: 'a' });
    await codes.consume('code-1');
    expect((await codes.find('code-1'))?.consumed).toEqual(expect.any(Number));
    await expect(codes.consume('code-1')).rejects.toThrow(/already consumed/); // a racing second exchange loses
    now = new Date(now.getTime() + 61_000);
    expect(await codes.find('code-1')).toBeUndefined();
    now = new Date('2026-01-01T00:00:00Z');
    await codes.destroy('code-1');
    expect(await codes.find('code-1')).toBeUndefined();
  });

  it('revokeByGrantId removes every token of the grant at once, read consistently, and no other grant’s', async () => {
    const tokens = adapter('AccessToken');
    for (let i = 0; i < 30; i++) await tokens.upsert(`at-${i}`, { grantId: 'g2' }, 600);
    await tokens.upsert('other', { grantId: 'g3' }, 600);
    await adapter('AuthorizationCode').upsert('code-g2', { grantId: 'g2' }, 60);
    await tokens.revokeByGrantId('g2');
    for (let i = 0; i < 30; i++) expect(await tokens.find(`at-${i}`)).toBeUndefined();
    expect(await tokens.find('other')).toBeDefined();
    expect(await adapter('AuthorizationCode').find('code-g2')).toBeDefined(); // each model revokes its own
  });

  it('finds a session by its uid', async () => {
    const sessions = adapter('Session');
    await sessions.upsert('sess-1', { uid: 'uid-1', accountId: 'x' }, 3600);
    expect(await sessions.findByUid('uid-1')).toMatchObject({ accountId: 'x' });
    expect(await sessions.findByUid('nope')).toBeUndefined();
    await sessions.upsert('sess-1', { uid: 'uid-1', accountId: 'y' }, 3600);
    expect(await sessions.findByUid('uid-1')).toMatchObject({ accountId: 'y' });
    await sessions.destroy('sess-1');
    expect(await sessions.findByUid('uid-1')).toBeUndefined();
  });

  it('keeps no code or access token value in the table, only its SHA-256: a reader of the table or a backup cannot use one', async () => {
    const code = 'Zq3-secret-code-value-0123456789abcdef';
    const token = 'Yt7-secret-access-token-0123456789abcdef';
    await adapter('AuthorizationCode').upsert(code, { jti: code, grantId: 'g4', accountId: 'a' }, 60);
    await adapter('AccessToken').upsert(token, { jti: token, grantId: 'g4', accountId: 'a' }, 600);
    const everything = JSON.stringify((await table.rawDb.send(new ScanCommand({ TableName: table.tableName }))).Items);
    expect(everything).not.toContain(code);
    expect(everything).not.toContain(token);
    // oidc-provider still finds each by its value, with its value as jti, and revokes them by grant.
    expect(await adapter('AuthorizationCode').find(code)).toMatchObject({ jti: code, accountId: 'a' });
    expect(await adapter('AccessToken').find(token)).toMatchObject({ jti: token });
    await adapter('AccessToken').revokeByGrantId('g4');
    expect(await adapter('AccessToken').find(token)).toBeUndefined();
  });

  it('a code consumed twice revokes every token of its grant and refuses to store one later, so a racing exchange keeps nothing', async () => {
    const codes = adapter('AuthorizationCode');
    const tokens = adapter('AccessToken');
    await codes.upsert('code-race', { grantId: 'g5' }, 60);
    await codes.consume('code-race');
    await tokens.upsert('at-before', { grantId: 'g5' }, 600); // the winner's token, stored before the second use
    await expect(codes.consume('code-race')).rejects.toThrow(/already consumed/);
    expect(await tokens.find('at-before')).toBeUndefined();
    await expect(tokens.upsert('at-after', { grantId: 'g5' }, 600)).rejects.toThrow(/already consumed/); // stored after: refused
    expect(await tokens.find('at-after')).toBeUndefined();
    await tokens.upsert('at-other', { grantId: 'g6' }, 600); // another grant is untouched
    expect(await tokens.find('at-other')).toBeDefined();
  });
});
