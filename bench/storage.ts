import { randomUUID } from 'node:crypto';
import { DeleteTableCommand } from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { createDocumentClient } from '../lambdas/adapters/dynamodb/client';
import { ensureTable } from '../lambdas/adapters/dynamodb/ensure-table';
import { createDynamoAdapters } from '../lambdas/adapters/dynamodb';
import type { Group } from '../lambdas/core/identity/group';
import type { User } from '../lambdas/core/identity/user';
import { asGroupId, asTenantId, asUserId, newResourceId } from '../lambdas/core/ids';
import { countingClient } from '../test/support/counting-client';

export interface StorageBenchOptions {
  /** Measured rounds; each round runs every operation once, in the same order. */
  readonly rounds?: number;
  /** Rounds run first and thrown away (JIT, connection pool, DynamoDB Local's own warm-up). */
  readonly warmupRounds?: number;
}

interface OperationFigures {
  readonly medianMs: number;
  readonly p90Ms: number;
  /** Median of this operation over the median of its bare baseline, in the same run. */
  readonly ratioToBaseline: number;
  readonly baseline: 'PutItem' | 'GetItem';
  /** DynamoDB calls one operation makes (counted, not timed). */
  readonly dynamoCalls: number;
}

const median = (values: number[]) => quantile(values, 0.5);
function quantile(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  const position = (sorted.length - 1) * q;
  const low = Math.floor(position);
  const high = Math.ceil(position);
  return sorted[low]! + (sorted[high]! - sorted[low]!) * (position - low);
}
const round2 = (value: number) => Math.round(value * 100) / 100;

/**
 * Per-operation latency of the storage core on DynamoDB Local, each as a ratio to a bare
 * PutItem/GetItem measured in the same run. Every round interleaves all operations (baselines
 * included), so drift in the machine's load touches them alike; figures are medians.
 */
export async function benchStorage(endpoint: string, options: StorageBenchOptions = {}): Promise<Record<string, unknown>> {
  const rounds = options.rounds ?? 150;
  const warmupRounds = options.warmupRounds ?? 20;
  const db = createDocumentClient({ endpoint });
  const tableName = `bench-storage-${randomUUID()}`;
  await ensureTable(db, tableName);
  const counting = countingClient(db);
  const store = createDynamoAdapters({ db: counting.db, tableName });
  const tenantId = asTenantId('tbenchstorage1');
  const at = new Date().toISOString();
  const group: Group = {
    tenantId,
    id: asGroupId(newResourceId()),
    displayName: 'Bench',
    profile: {},
    memberCount: 0,
    createdAt: at,
    updatedAt: at,
    version: 1,
  };
  await store.groups.create(group);

  const newUser = (): User => {
    const id = asUserId(newResourceId());
    return {
      tenantId,
      id,
      userName: `${id}@bench.example.com`,
      externalId: `ext-${id}`,
      active: true,
      emails: [{ value: `${id}@bench.example.com`, primary: true, type: 'work' }],
      name: { givenName: 'Bench', familyName: 'User' },
      profile: { title: 'Tester' },
      source: 'scim',
      isAdmin: false,
      createdAt: at,
      updatedAt: at,
      version: 1,
    };
  };

  // One round: every operation once, each on a user made in the same round.
  const operations: { name: string; baseline?: 'PutItem' | 'GetItem'; run: (user: User) => Promise<unknown> }[] = [
    { name: 'PutItem', run: (user) => db.send(new PutCommand({ TableName: tableName, Item: { pk: `BARE#${user.id}`, sk: 'BARE', ...user } })) },
    { name: 'createUser', baseline: 'PutItem', run: (user) => store.users.create(user) },
    { name: 'GetItem', run: (user) => db.send(new GetCommand({ TableName: tableName, Key: { pk: `BARE#${user.id}`, sk: 'BARE' } })) },
    { name: 'getUser', baseline: 'GetItem', run: (user) => store.users.get(tenantId, user.id) },
    { name: 'findByUserName', baseline: 'GetItem', run: (user) => store.users.findByUserName(tenantId, user.userName.toUpperCase()) },
    { name: 'replaceUser', baseline: 'PutItem', run: (user) => store.users.replace({ ...user, displayName: 'Renamed', version: 2 }, 1) },
    { name: 'addMembers(1)', baseline: 'PutItem', run: (user) => store.groups.addMembers(tenantId, group.id, [user.id]) },
  ];

  const samples = new Map<string, number[]>(operations.map((operation) => [operation.name, []]));
  const calls = new Map<string, number>();
  try {
    for (let i = 0; i < warmupRounds + rounds; i++) {
      const user = newUser();
      for (const operation of operations) {
        const started = performance.now();
        const { counts } = await counting.measure(() => operation.run(user));
        const elapsed = performance.now() - started;
        if (i >= warmupRounds) samples.get(operation.name)!.push(elapsed);
        calls.set(operation.name, counts.total);
      }
    }
  } finally {
    await db.send(new DeleteTableCommand({ TableName: tableName }));
  }

  const baselineMedian = { PutItem: median(samples.get('PutItem')!), GetItem: median(samples.get('GetItem')!) };
  const figures: Record<string, OperationFigures | { medianMs: number; p90Ms: number }> = {};
  for (const operation of operations) {
    const values = samples.get(operation.name)!;
    figures[operation.name] = operation.baseline
      ? {
          medianMs: round2(median(values)),
          p90Ms: round2(quantile(values, 0.9)),
          ratioToBaseline: round2(median(values) / baselineMedian[operation.baseline]),
          baseline: operation.baseline,
          dynamoCalls: calls.get(operation.name) ?? 0,
        }
      : { medianMs: round2(median(values)), p90Ms: round2(quantile(values, 0.9)) };
  }
  return {
    target: 'DynamoDB Local',
    rounds,
    warmupRounds,
    note: 'ratio = median of the operation / median of the bare PutItem or GetItem in the same interleaved run',
    operations: figures,
  };
}
