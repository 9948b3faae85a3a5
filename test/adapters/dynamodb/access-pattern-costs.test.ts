import { afterAll, beforeAll, expect, it } from 'vitest';
import { createDynamoAdapters, type DynamoAdapters } from '../../../lambdas/adapters/dynamodb';
import type { Group } from '../../../lambdas/core/identity/group';
import type { User } from '../../../lambdas/core/identity/user';
import { asUserId, type TenantId } from '../../../lambdas/core/ids';
import { countingClient, type CountingClient, type DynamoCallCounts } from '../../support/counting-client';
import { createTestTable, type TestTable } from '../../support/dynamo';
import { aGroup, aTenant, aUser } from './fixtures';

/**
 * The cost column of docs/data-model.md, measured: DynamoDB calls per storage operation on a
 * tenant holding enough data that a hidden scan or whole-group read would show.
 */
let table: TestTable;
let counting: CountingClient;
let store: DynamoAdapters;
let tenantId: TenantId;
let user: User;
let group: Group;
const domain = 'costs.example.com';

beforeAll(async () => {
  table = await createTestTable();
  counting = countingClient(table.db);
  store = createDynamoAdapters({ db: counting.db, tableName: table.tableName });
  const tenant = aTenant({ domains: [domain] });
  tenantId = tenant.id;
  await store.tenants.create(tenant);
  user = aUser(tenantId, { userName: 'cost@costs.example.com', externalId: 'x1', emails: [{ value: 'cost@costs.example.com' }] });
  await store.users.create(user);
  await Promise.all(Array.from({ length: 40 }, () => store.users.create(aUser(tenantId))));
  group = aGroup(tenantId, { displayName: 'Costly' });
  await store.groups.create(group);
  await store.groups.addMembers(tenantId, group.id, [user.id, ...Array.from({ length: 300 }, (_, i) => asUserId(`m${i}`))]);
});
afterAll(async () => table.drop());

const cost = async (work: () => Promise<unknown>): Promise<DynamoCallCounts> => (await counting.measure(work)).counts;

it.each([
  ['tenants.get', () => store.tenants.get(tenantId), { GetCommand: 1 }],
  ['tenants.findByDomain', () => store.tenants.findByDomain(domain), { GetCommand: 2 }],
  ['tenants.list (one page)', () => store.tenants.list({ limit: 10 }), { QueryCommand: 1 }],
  ['users.get', () => store.users.get(tenantId, user.id), { GetCommand: 1 }],
  ['users.findByUserName', () => store.users.findByUserName(tenantId, 'COST@costs.example.com'), { GetCommand: 2 }],
  ['users.findByExternalId', () => store.users.findByExternalId(tenantId, 'x1'), { QueryCommand: 1, BatchGetCommand: 1 }],
  ['users.findByEmail', () => store.users.findByEmail(tenantId, 'cost@COSTS.example.com'), { QueryCommand: 1, BatchGetCommand: 1 }],
  ['users.getMany (30 ids)', () => store.users.getMany(tenantId, Array.from({ length: 30 }, (_, i) => asUserId(`m${i}`))), { BatchGetCommand: 1 }],
  ['users.list (one page)', () => store.users.list(tenantId, { limit: 20 }), { QueryCommand: 1 }],
  ['users.count', () => store.users.count(tenantId), { GetCommand: 1 }],
  ['groups.get', () => store.groups.get(tenantId, group.id), { GetCommand: 1 }],
  ['groups.findByDisplayName', () => store.groups.findByDisplayName(tenantId, 'costly'), { QueryCommand: 1, BatchGetCommand: 1 }],
  ['groups.count', () => store.groups.count(tenantId), { GetCommand: 1 }],
  ['groups.membersAmong (5 ids)', () => store.groups.membersAmong(tenantId, group.id, [user.id, asUserId('m1'), asUserId('x'), asUserId('y'), asUserId('z')]), { BatchGetCommand: 1 }],
  ['groups.listMembers (one page)', () => store.groups.listMembers(tenantId, group.id, { limit: 100 }), { GetCommand: 1, QueryCommand: 1 }],
  ['groups.groupsOfUser', () => store.groups.groupsOfUser(tenantId, user.id), { QueryCommand: 1, BatchGetCommand: 1 }],
  ['sessions.get', () => store.sessions.get('nope'), { GetCommand: 1 }],
  ['ephemeral.take', () => store.ephemeral.take('nope'), { DeleteCommand: 1 }],
  ['activity.list (one page)', () => store.activity.list(tenantId, { limit: 20 }), { QueryCommand: 1 }],
] as const)('%s costs %o', async (_name, operation, expected) => {
  const counts = await cost(operation);

  expect(counts.calls).toEqual(expected);
  expect(counts.scanned).toBe(false);
});

it('writes a user, a rename and a membership change in one transaction each, after at most one read', async () => {
  const newcomer = aUser(tenantId, { emails: [{ value: 'n@costs.example.com' }] });

  const create = await cost(() => store.users.create(newcomer));
  const replace = await cost(() => store.users.replace({ ...newcomer, userName: 'renamed@costs.example.com', version: 2 }, 1));
  const add = await cost(() => store.groups.addMembers(tenantId, group.id, [newcomer.id]));
  const remove = await cost(() => store.groups.removeMembers(tenantId, group.id, [newcomer.id]));

  expect(create.calls).toEqual({ TransactWriteCommand: 1 });
  expect(create.itemsWritten).toBe(5); // user, userName guard, counter, email lookup, its event (outbox)
  expect(replace.calls).toEqual({ GetCommand: 1, TransactWriteCommand: 1 });
  expect(add.calls).toEqual({ BatchGetCommand: 1, TransactWriteCommand: 1 });
  expect(remove.calls).toEqual({ BatchGetCommand: 1, TransactWriteCommand: 1 });
});

it('deletes a user in a number of calls that grows with its groups, not with the tenant or the groups’ sizes', async () => {
  const leaving = aUser(tenantId);
  await store.users.create(leaving);
  await store.groups.addMembers(tenantId, group.id, [leaving.id]);

  const counts = await cost(() => store.users.delete(tenantId, leaving.id));

  // read, transaction, consistent query of its user-side group entries, per group a read of its version (its
  // members.removed event names it) and a transaction, purge-marker delete
  expect(counts.calls).toEqual({ GetCommand: 2, TransactWriteCommand: 2, QueryCommand: 1, DeleteCommand: 1 });
  expect(counts.itemsRead).toBeLessThanOrEqual(3);
});
