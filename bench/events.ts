import { randomUUID } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DeleteTableCommand } from '@aws-sdk/client-dynamodb';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { createDocumentClient } from '../lambdas/adapters/dynamodb/client';
import { ensureTable } from '../lambdas/adapters/dynamodb/ensure-table';
import { createDynamoAdapters } from '../lambdas/adapters/dynamodb';
import type { User } from '../lambdas/core/identity/user';
import { asTenantId, asUserId } from '../lambdas/core/ids';
import { EVENTS_FILE, ndjsonSink, startEventStream } from '../local/event-stream';

export interface EventsBenchOptions {
  /** Numbers of changes, one run each, so growth is visible. @default EVENTS_BENCH_SIZES, else [200, 1000] */
  readonly sizes?: readonly number[];
}

const round2 = (value: number) => Math.round(value * 100) / 100;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function linesIn(file: string): Promise<number> {
  try {
    return (await readFile(file, 'utf8')).split('\n').filter(Boolean).length;
  } catch {
    return 0;
  }
}

async function waitForLines(file: string, count: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while ((await linesIn(file)) < count) {
    if (Date.now() > deadline) throw new Error(`only ${await linesIn(file)} of ${count} events reached ${file} in ${timeoutMs} ms`);
    await sleep(10);
  }
}

/**
 * Directory events forwarded per second on the twin, end to end: N user creations (each one transaction with
 * its outbox item), timed until all N are lines of events.ndjson; and the forwarding alone (N changes written
 * with the reader stopped, then the reader started and timed until it has drained them). Both as rates and as
 * ratios to a bare PutItem rate measured in the same run, for each N.
 */
export async function benchEvents(endpoint: string, options: EventsBenchOptions = {}): Promise<Record<string, unknown>> {
  const sizes = options.sizes ?? (process.env.EVENTS_BENCH_SIZES ?? '200,1000').split(',').map(Number);
  const db = createDocumentClient({ endpoint });
  const results: Record<string, unknown> = {};
  for (const n of sizes) {
    const tableName = `bench-events-${randomUUID()}`;
    await ensureTable(db, tableName);
    const dataDir = await mkdtemp(join(tmpdir(), 'natoma-bench-events-'));
    const file = join(dataDir, EVENTS_FILE);
    const store = createDynamoAdapters({ db, tableName });
    const tenantId = asTenantId('tbenchevents01');
    const at = new Date().toISOString();
    const user = (i: number, round: string): User => ({ tenantId, id: asUserId(`${round}-${i}`), userName: `${round}${i}@bench.test`, active: true, emails: [], profile: {}, source: 'scim', isAdmin: false, createdAt: at, updatedAt: at, version: 1 });
    try {
      // Warm-up (JIT, connections, DynamoDB Local), thrown away.
      for (let i = 0; i < 50; i++) await db.send(new PutCommand({ TableName: tableName, Item: { pk: `WARM#${i}`, sk: 'WARM' } }));
      for (let i = 0; i < 20; i++) await store.users.create(user(i, 'warm'));
      const warm = 20;
      // Baseline: bare PutItems, sequential, same size of run.
      let started = performance.now();
      for (let i = 0; i < n; i++) await db.send(new PutCommand({ TableName: tableName, Item: { pk: `BENCH#${i}`, sk: 'BENCH', value: i } }));
      const putItemPerSec = n / ((performance.now() - started) / 1000);

      // End to end: the reader runs while the changes are written.
      let stream = await startEventStream({ dynamoEndpoint: endpoint, tableName, dataDir, sinks: [ndjsonSink(dataDir)] });
      started = performance.now();
      for (let i = 0; i < n; i++) await store.users.create(user(i, 'live'));
      const writtenMs = performance.now() - started;
      await waitForLines(file, warm + n, 120_000);
      const endToEndMs = performance.now() - started;
      await stream.stop();

      // Forwarding alone: N more changes wait in the stream, then the reader drains them.
      for (let i = 0; i < n; i++) await store.users.create(user(i, 'backlog'));
      started = performance.now();
      stream = await startEventStream({ dynamoEndpoint: endpoint, tableName, dataDir, sinks: [ndjsonSink(dataDir)] });
      await waitForLines(file, warm + 2 * n, 120_000);
      const drainMs = performance.now() - started;
      await stream.stop();

      const endToEndPerSec = n / (endToEndMs / 1000);
      const drainPerSec = n / (drainMs / 1000);
      results[`n${n}`] = {
        changes: n,
        putItemPerSec: round2(putItemPerSec),
        changesWrittenPerSec: round2(n / (writtenMs / 1000)),
        endToEndEventsPerSec: round2(endToEndPerSec),
        endToEndRatioToPutItem: round2(endToEndPerSec / putItemPerSec),
        lastEventLagMs: Math.round(endToEndMs - writtenMs),
        forwardingOnlyEventsPerSec: round2(drainPerSec),
        forwardingOnlyRatioToPutItem: round2(drainPerSec / putItemPerSec),
      };
    } finally {
      await db.send(new DeleteTableCommand({ TableName: tableName }));
      await rm(dataDir, { recursive: true, force: true });
    }
  }
  return results;
}
