import { randomUUID } from 'node:crypto';
import { DeleteTableCommand } from '@aws-sdk/client-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { inject } from 'vitest';
import { createDocumentClient } from '../../lambdas/adapters/dynamodb/client';
import { ensureTable } from '../../lambdas/adapters/dynamodb/ensure-table';
import { faithfulSettingsFrom, fidelityFrom, type Fidelity } from '../../local/faithful/config';
import { withReplicationLag } from '../../local/faithful/replication-lag';

export interface TestTable {
  /** The client the code under test uses: with replication lag when TWIN_FIDELITY=aws. */
  readonly db: DynamoDBDocumentClient;
  /** Always-fresh reads, for a test's own setup and assertions about what is stored. */
  readonly rawDb: DynamoDBDocumentClient;
  readonly tableName: string;
  readonly endpoint: string;
  readonly fidelity: Fidelity;
  /**
   * Waits until every write so far is visible to eventually consistent reads and GSI queries (at once
   * unless faithful). For tests of reads that are eventually consistent by design, e.g. a GSI listing.
   */
  settle(): Promise<void>;
  drop(): Promise<void>;
}

/**
 * A fresh table on the run's DynamoDB Local, so test files never see each other's items. With
 * `TWIN_FIDELITY=aws` (`npm run test:faithful`) `db` answers eventually consistent reads and GSI
 * queries with data up to `TWIN_REPLICATION_LAG_MS` old, as DynamoDB may. `stream: true` gives the table its
 * stream, for tests that read directory events (off by default: DynamoDB Local's large transactions take
 * about twice as long on a table with a stream, and most tests read no events; the outbox items are written
 * either way).
 */
export async function createTestTable(options: { fidelity?: Fidelity; replicationLagMs?: number; stream?: boolean } = {}): Promise<TestTable> {
  const endpoint = inject('dynamoEndpoint');
  const rawDb = createDocumentClient({ endpoint });
  const fidelity = options.fidelity ?? fidelityFrom();
  const lagMs = options.replicationLagMs ?? faithfulSettingsFrom().replicationLagMs;
  // jitterMs is spelled out so that settle() knows the longest lag.
  const jitterMs = lagMs / 4;
  const db = fidelity === 'aws' ? withReplicationLag(rawDb, { lagMs, jitterMs }).db : rawDb;
  const tableName = `test-${randomUUID()}`;
  await ensureTable(rawDb, tableName, { stream: options.stream ?? false });
  return {
    db,
    rawDb,
    tableName,
    endpoint,
    fidelity,
    settle: () => settleAfter(fidelity, lagMs),
    drop: async () => {
      await rawDb.send(new DeleteTableCommand({ TableName: tableName }));
    },
  };
}

/** Waits out the longest replication lag (lagMs plus its jitter of a quarter), at once unless faithful. */
function settleAfter(fidelity: Fidelity, lagMs: number): Promise<void> {
  return fidelity === 'aws' ? new Promise((resolve) => setTimeout(resolve, lagMs + lagMs / 4 + 20)) : Promise.resolve();
}

/**
 * settle() for tests that read through a twin started in this process (startTwin): its lag comes
 * from the same environment, TWIN_FIDELITY and TWIN_REPLICATION_LAG_MS.
 */
export const settleTwin = (): Promise<void> => settleAfter(fidelityFrom(), faithfulSettingsFrom().replicationLagMs);
