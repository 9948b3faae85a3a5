import { BatchGetCommand, DeleteCommand, GetCommand, PutCommand, QueryCommand, TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withReplicationLag } from '../../local/faithful/replication-lag';
import { createTestTable, type TestTable } from './dynamo';

const LAG_MS = 1000;

describe('withReplicationLag (the faithful twin on DynamoDB Local)', () => {
  let table: TestTable;
  let lagged: ReturnType<typeof withReplicationLag>;
  let seq = 0;
  // A clock the test moves: the lag is exact, whatever the load on the machine.
  let clock = Date.now();
  const sleep = async (ms: number) => {
    clock += ms;
  };
  const key = () => ({ pk: `P#${++seq}`, sk: 'S' });

  beforeAll(async () => {
    table = await createTestTable({ fidelity: 'friendly' });
    lagged = withReplicationLag(table.rawDb, { lagMs: LAG_MS, jitterMs: 0, now: () => clock });
  });
  afterAll(async () => table.drop());

  const get = async (k: { pk: string; sk: string }, consistent?: boolean) =>
    (await lagged.db.send(new GetCommand({ TableName: table.tableName, Key: k, ...(consistent !== undefined ? { ConsistentRead: consistent } : {}) }))).Item;

  it('answers an eventually consistent GetItem with nothing right after a create, and with the item after the lag', async () => {
    const k = key();
    await lagged.db.send(new PutCommand({ TableName: table.tableName, Item: { ...k, v: 1 } }));

    expect(await get(k)).toBeUndefined();
    await sleep(LAG_MS + 50);
    expect(await get(k)).toEqual({ ...k, v: 1 });
  });

  it('answers with the previous image within the lag of an update, and sees a delete only after the lag', async () => {
    const k = key();
    await lagged.db.send(new PutCommand({ TableName: table.tableName, Item: { ...k, v: 1 } }));
    await sleep(LAG_MS + 50);
    await lagged.db.send(new UpdateCommand({ TableName: table.tableName, Key: k, UpdateExpression: 'SET v = :v', ExpressionAttributeValues: { ':v': 2 } }));

    expect((await get(k))?.v).toBe(1);
    await sleep(LAG_MS + 50);
    expect((await get(k))?.v).toBe(2);

    await lagged.db.send(new DeleteCommand({ TableName: table.tableName, Key: k }));
    expect((await get(k))?.v).toBe(2);
    await sleep(LAG_MS + 50);
    expect(await get(k)).toBeUndefined();
  });

  it('lets ConsistentRead bypass the lag (GetItem, BatchGetItem, table Query)', async () => {
    const k = key();
    await lagged.db.send(new TransactWriteCommand({ TransactItems: [{ Put: { TableName: table.tableName, Item: { ...k, v: 'new' } } }] }));

    expect(await get(k, true)).toEqual({ ...k, v: 'new' });
    const batch = await lagged.db.send(new BatchGetCommand({ RequestItems: { [table.tableName]: { Keys: [k], ConsistentRead: true } } }));
    expect(batch.Responses?.[table.tableName]).toHaveLength(1);
    const query = await lagged.db.send(new QueryCommand({ TableName: table.tableName, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': k.pk }, ConsistentRead: true }));
    expect(query.Items).toHaveLength(1);
  });

  it('leaves a just-written item out of an eventually consistent BatchGetItem', async () => {
    const [old, fresh] = [key(), key()];
    await lagged.db.send(new PutCommand({ TableName: table.tableName, Item: { ...old, v: 'old' } }));
    await sleep(LAG_MS + 50);
    await lagged.db.send(new PutCommand({ TableName: table.tableName, Item: { ...fresh, v: 'fresh' } }));

    const batch = await lagged.db.send(new BatchGetCommand({ RequestItems: { [table.tableName]: { Keys: [old, fresh] } } }));
    expect(batch.Responses?.[table.tableName]?.map((item) => item.v)).toEqual(['old']);
  });

  it('misses a just-written item in a GSI query until the lag has passed', async () => {
    const partition = `G#${++seq}`;
    const [a, b] = [key(), key()];
    await lagged.db.send(new PutCommand({ TableName: table.tableName, Item: { ...a, gsi1pk: partition, gsi1sk: 'a' } }));
    await sleep(LAG_MS + 50);
    await lagged.db.send(new PutCommand({ TableName: table.tableName, Item: { ...b, gsi1pk: partition, gsi1sk: 'b' } }));
    const query = () =>
      lagged.db.send(new QueryCommand({ TableName: table.tableName, IndexName: 'gsi1', KeyConditionExpression: 'gsi1pk = :p', ExpressionAttributeValues: { ':p': partition } }));

    expect((await query()).Items?.map((item) => item.gsi1sk)).toEqual(['a']);
    await sleep(LAG_MS + 50);
    expect((await query()).Items?.map((item) => item.gsi1sk)).toEqual(['a', 'b']);
  });

  it('keeps a just-deleted item in a partition query, in key order, until the lag has passed', async () => {
    const pk = `Q#${++seq}`;
    for (const sk of ['xa', 'xb', 'xc']) await lagged.db.send(new PutCommand({ TableName: table.tableName, Item: { pk, sk } }));
    await sleep(LAG_MS + 50);
    await lagged.db.send(new DeleteCommand({ TableName: table.tableName, Key: { pk, sk: 'xb' } }));
    const query = () => lagged.db.send(new QueryCommand({ TableName: table.tableName, KeyConditionExpression: 'pk = :pk AND begins_with(sk, :s)', ExpressionAttributeValues: { ':pk': pk, ':s': 'x' } }));

    expect((await query()).Items?.map((item) => item.sk)).toEqual(['xa', 'xb', 'xc']);
    await sleep(LAG_MS + 50);
    expect((await query()).Items?.map((item) => item.sk)).toEqual(['xa', 'xc']);
  });

  it('keeps a page within its Limit when a just-deleted item comes back, and continues after it', async () => {
    const pk = `L#${++seq}`;
    for (const sk of ['xa', 'xb', 'xc', 'xd']) await lagged.db.send(new PutCommand({ TableName: table.tableName, Item: { pk, sk } }));
    await sleep(LAG_MS + 50);
    await lagged.db.send(new DeleteCommand({ TableName: table.tableName, Key: { pk, sk: 'xa' } }));
    const page = (start?: Record<string, unknown>) =>
      lagged.db.send(new QueryCommand({ TableName: table.tableName, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': pk }, Limit: 2, ExclusiveStartKey: start }));

    const first = await page();
    const second = await page(first.LastEvaluatedKey);

    expect(first.Items?.map((item) => item.sk)).toEqual(['xa', 'xb']);
    expect(second.Items?.map((item) => item.sk)).toEqual(['xc', 'xd']);
  });

  it('refuses ConsistentRead on a GSI, as DynamoDB does', async () => {
    await expect(
      lagged.db.send(new QueryCommand({ TableName: table.tableName, IndexName: 'gsi1', KeyConditionExpression: 'gsi1pk = :p', ExpressionAttributeValues: { ':p': 'x' }, ConsistentRead: true })),
    ).rejects.toMatchObject({ name: 'ValidationException' });
  });

  it('does not record a write that failed its condition', async () => {
    const k = key();
    await lagged.db.send(new PutCommand({ TableName: table.tableName, Item: { ...k, v: 1 } }));
    await sleep(LAG_MS + 50);
    await expect(
      lagged.db.send(new PutCommand({ TableName: table.tableName, Item: { ...k, v: 2 }, ConditionExpression: 'attribute_not_exists(pk)' })),
    ).rejects.toMatchObject({ name: 'ConditionalCheckFailedException' });

    expect((await get(k))?.v).toBe(1);
    expect(lagged.pendingKeys(table.tableName)).toBe(0);
  });
});
