import { randomUUID } from 'node:crypto';
import { DeleteTableCommand } from '@aws-sdk/client-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { inject } from 'vitest';
import { createDocumentClient } from '../../lambdas/adapters/dynamodb/client';
import { ensureTable } from '../../lambdas/adapters/dynamodb/ensure-table';

export interface TestTable {
  readonly db: DynamoDBDocumentClient;
  readonly tableName: string;
  readonly endpoint: string;
  drop(): Promise<void>;
}

/** A fresh table on the run's DynamoDB Local, so test files never see each other's items. */
export async function createTestTable(): Promise<TestTable> {
  const endpoint = inject('dynamoEndpoint');
  const db = createDocumentClient({ endpoint });
  const tableName = `test-${randomUUID()}`;
  await ensureTable(db, tableName);
  return {
    db,
    tableName,
    endpoint,
    drop: async () => {
      await db.send(new DeleteTableCommand({ TableName: tableName }));
    },
  };
}
