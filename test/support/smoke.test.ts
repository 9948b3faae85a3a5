import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestTable, type TestTable } from './dynamo';

describe('test harness', () => {
  let table: TestTable;
  beforeAll(async () => (table = await createTestTable()));
  afterAll(async () => table.drop());

  it('round-trips an item through DynamoDB Local', async () => {
    await table.db.send(new PutCommand({ TableName: table.tableName, Item: { pk: 'a', sk: 'b', value: 1 } }));
    const got = await table.db.send(new GetCommand({ TableName: table.tableName, Key: { pk: 'a', sk: 'b' } }));
    expect(got.Item?.value).toBe(1);
  });
});
