import { afterAll, beforeAll, expect, it } from 'vitest';
import { createDynamoAdapters } from '../../../lambdas/adapters/dynamodb';
import { createTestTable, type TestTable } from '../../support/dynamo';
import { aGroup, aUser, freshTenantId } from './fixtures';

let table: TestTable;
beforeAll(async () => (table = await createTestTable()));
afterAll(async () => table.drop());

it('smoke', async () => {
  const store = createDynamoAdapters({ db: table.db, tableName: table.tableName });
  const t = freshTenantId();
  const u = aUser(t, { userName: 'Alice@x.com', emails: [{ value: 'alice@x.com' }], externalId: 'ext1' });
  await store.users.create(u);
  expect(await store.users.findByUserName(t, 'ALICE@x.com')).toEqual(u);
  expect(await store.users.count(t)).toBe(1);
  await expect(store.users.create({ ...aUser(t), userName: 'alice@X.com' })).rejects.toThrow(/already taken/);
  const g = aGroup(t);
  await store.groups.create(g);
  expect(await store.groups.addMembers(t, g.id, [u.id])).toBe(1);
  expect((await store.groups.get(t, g.id))?.memberCount).toBe(1);
  expect((await store.groups.groupsOfUser(t, u.id)).map((x) => x.id)).toEqual([g.id]);
  await store.users.delete(t, u.id);
  expect((await store.groups.get(t, g.id))?.memberCount).toBe(0);
});
