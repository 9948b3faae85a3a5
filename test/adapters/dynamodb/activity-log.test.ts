import { afterAll, beforeAll, expect, it } from 'vitest';
import { createDynamoAdapters, type DynamoAdapters } from '../../../lambdas/adapters/dynamodb';
import type { ActivityCategory, ActivityEvent } from '../../../lambdas/core/activity/events';
import { InvalidInputError } from '../../../lambdas/core/errors';
import type { TenantId } from '../../../lambdas/core/ids';
import { countingClient, type CountingClient } from '../../support/counting-client';
import { createTestTable, type TestTable } from '../../support/dynamo';
import { freshTenantId } from './fixtures';

let table: TestTable;
let counting: CountingClient;
let store: DynamoAdapters;

beforeAll(async () => {
  table = await createTestTable();
  counting = countingClient(table.db);
  store = createDynamoAdapters({ db: counting.db, tableName: table.tableName });
});
afterAll(async () => table.drop());

const CATEGORIES: ActivityCategory[] = ['provisioning', 'sign-in', 'admin'];
// Recent: events carry a 180-day TTL, which DynamoDB Local applies against its own clock.
const BASE_MS = Date.UTC(new Date().getUTCFullYear(), new Date().getUTCMonth(), 1);

function anEvent(tenantId: TenantId, minute: number, category: ActivityCategory): ActivityEvent {
  return {
    tenantId,
    id: `e${minute}`,
    at: new Date(BASE_MS + minute * 60_000).toISOString(),
    category,
    type: category === 'sign-in' ? 'login.succeeded' : 'user.created',
    actor: 'idp',
    target: `user:${minute}`,
    summary: `event ${minute}`,
  };
}

it('lists events newest first across pages', async () => {
  const tenantId = freshTenantId();
  await Promise.all(Array.from({ length: 9 }, (_, minute) => store.activity.record(anEvent(tenantId, minute, CATEGORIES[minute % 3]!))));

  const first = await store.activity.list(tenantId, { limit: 5 });
  const second = await store.activity.list(tenantId, { limit: 5, cursor: first.cursor! });

  expect([...first.items, ...second.items].map((event) => event.id)).toEqual(['e8', 'e7', 'e6', 'e5', 'e4', 'e3', 'e2', 'e1', 'e0']);
  expect(second.cursor).toBeUndefined();
});

it('lists only one category, reading only matching events', async () => {
  const tenantId = freshTenantId();
  await Promise.all(Array.from({ length: 12 }, (_, minute) => store.activity.record(anEvent(tenantId, minute, CATEGORIES[minute % 3]!))));
  await table.settle(); // a category is a GSI query: eventually consistent by design

  const { result, counts } = await counting.measure(() => store.activity.list(tenantId, { limit: 2, category: 'sign-in' }));
  const rest = await store.activity.list(tenantId, { limit: 10, category: 'sign-in', cursor: result.cursor! });

  expect(result.items.map((event) => event.id)).toEqual(['e10', 'e7']);
  expect(rest.items.map((event) => event.id)).toEqual(['e4', 'e1']);
  expect(counts).toMatchObject({ total: 1, itemsRead: 3, scanned: false });
});

it('refuses a cursor of the unfiltered listing for a category listing', async () => {
  const tenantId = freshTenantId();
  await Promise.all(Array.from({ length: 3 }, (_, minute) => store.activity.record(anEvent(tenantId, minute, 'admin'))));
  const { cursor } = await store.activity.list(tenantId, { limit: 1 });

  await expect(store.activity.list(tenantId, { limit: 1, category: 'admin', cursor: cursor! })).rejects.toBeInstanceOf(InvalidInputError);
});
