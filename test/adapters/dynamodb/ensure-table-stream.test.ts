import { randomUUID } from 'node:crypto';
import { CreateTableCommand, DeleteTableCommand, DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import { expect, inject, it } from 'vitest';
import { createDocumentClient } from '../../../lambdas/adapters/dynamodb/client';
import { ensureTable } from '../../../lambdas/adapters/dynamodb/ensure-table';

it('ensureTable turns the stream on for a table created before the outbox (a twin DATA_DIR from an older build)', async () => {
  const db = createDocumentClient({ endpoint: inject('dynamoEndpoint') });
  const tableName = `old-${randomUUID()}`;
  await db.send(
    new CreateTableCommand({
      TableName: tableName,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: ['pk', 'sk', 'gsi1pk', 'gsi1sk'].map((name) => ({ AttributeName: name, AttributeType: 'S' })),
      KeySchema: [
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
      GlobalSecondaryIndexes: [{ IndexName: 'gsi1', KeySchema: [{ AttributeName: 'gsi1pk', KeyType: 'HASH' }, { AttributeName: 'gsi1sk', KeyType: 'RANGE' }], Projection: { ProjectionType: 'ALL' } }],
    }),
  );
  await ensureTable(db, tableName);
  const table = (await db.send(new DescribeTableCommand({ TableName: tableName }))).Table;
  expect(table?.StreamSpecification).toEqual({ StreamEnabled: true, StreamViewType: 'NEW_IMAGE' });
  expect(table?.LatestStreamArn).toBeTruthy();
  await ensureTable(db, tableName); // idempotent
  await db.send(new DeleteTableCommand({ TableName: tableName }));
});
