import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

/**
 * What a test saw go to DynamoDB through a countingClient, to assert cost bounds
 * ("adding 256 members takes at most 30 calls", "no request path scans").
 */
export interface DynamoCallCounts {
  /** Calls by command class name, e.g. { GetCommand: 2, TransactWriteCommand: 1 }. */
  readonly calls: Record<string, number>;
  /** All calls of any kind. */
  readonly total: number;
  /** Items returned: Item (0/1), Items.length, BatchGet Responses, TransactGet Responses, ALL_OLD Attributes. */
  readonly itemsRead: number;
  /** Items sent for writing: 1 per Put/Update/Delete, each TransactWrite item, each BatchWrite request. */
  readonly itemsWritten: number;
  /** True once any Scan (ScanCommand / ScanCommand of the low-level client) went through. */
  readonly scanned: boolean;
  /**
   * Read capacity units the reads consumed, as DynamoDB (Local) reports them: 0.5 per 4 KB for an
   * eventually consistent read, 1 for a consistent one, 2 in a transaction.
   */
  readonly readUnits: number;
}

export interface CountingClient {
  /** Pass this wherever a DynamoDBDocumentClient is expected (e.g. createDynamoAdapters({ db })). */
  readonly db: DynamoDBDocumentClient;
  /** A snapshot of the counts so far. */
  counts(): DynamoCallCounts;
  /** Runs `work` and returns what it alone cost (other calls before it are not counted). */
  measure<T>(work: () => Promise<T>): Promise<{ result: T; counts: DynamoCallCounts }>;
  reset(): void;
}

interface Tally {
  calls: Record<string, number>;
  total: number;
  itemsRead: number;
  itemsWritten: number;
  scanned: boolean;
  readUnits: number;
}

const emptyTally = (): Tally => ({ calls: {}, total: 0, itemsRead: 0, itemsWritten: 0, scanned: false, readUnits: 0 });
const READS = new Set(['GetCommand', 'BatchGetCommand', 'QueryCommand', 'ScanCommand', 'TransactGetCommand']);

/**
 * Wraps a document client so that every `send` is counted; everything else passes through. Counting
 * happens on the way out (calls, written items) and on the way back (items read), so failed calls
 * (e.g. a cancelled transaction) count as calls too.
 *
 * @example
 * const counting = countingClient(table.db);
 * const store = createDynamoAdapters({ db: counting.db, tableName: table.tableName });
 * const { counts } = await counting.measure(() => store.groups.addMembers(t, g, ids));
 * expect(counts.total).toBeLessThanOrEqual(30);
 * expect(counts.scanned).toBe(false);
 */
export function countingClient(db: DynamoDBDocumentClient): CountingClient {
  let tally = emptyTally();
  const snapshot = (from: Tally): DynamoCallCounts => ({ ...from, calls: { ...from.calls } });

  const send = async (command: { constructor: { name: string }; input?: unknown }, ...rest: unknown[]) => {
    const name = command.constructor.name;
    const counted = tally;
    counted.calls[name] = (counted.calls[name] ?? 0) + 1;
    counted.total += 1;
    counted.itemsWritten += itemsWrittenBy(name, command.input);
    if (name.startsWith('Scan')) counted.scanned = true;
    const input = command.input as { ReturnConsumedCapacity?: string } | undefined;
    const askCapacity = READS.has(name) && input !== undefined && input.ReturnConsumedCapacity === undefined;
    if (askCapacity) input.ReturnConsumedCapacity = 'TOTAL';
    const output = await (db.send as (...args: unknown[]) => Promise<unknown>)(command, ...rest);
    counted.itemsRead += itemsReadFrom(output);
    if (askCapacity) counted.readUnits += capacityOf(output);
    return output;
  };

  const wrapped = new Proxy(db, {
    get(target, property, receiver) {
      if (property === 'send') return send;
      return Reflect.get(target, property, receiver);
    },
  });

  return {
    db: wrapped,
    counts: () => snapshot(tally),
    reset: () => {
      tally = emptyTally();
    },
    async measure(work) {
      const before = tally;
      tally = emptyTally();
      try {
        const result = await work();
        return { result, counts: snapshot(tally) };
      } finally {
        const during = tally;
        tally = before;
        mergeInto(tally, during);
      }
    },
  };
}

function mergeInto(target: Tally, source: Tally): void {
  for (const [name, count] of Object.entries(source.calls)) target.calls[name] = (target.calls[name] ?? 0) + count;
  target.total += source.total;
  target.itemsRead += source.itemsRead;
  target.itemsWritten += source.itemsWritten;
  target.scanned ||= source.scanned;
  target.readUnits += source.readUnits;
}

function capacityOf(output: unknown): number {
  const consumed = (output as { ConsumedCapacity?: { CapacityUnits?: number } | { CapacityUnits?: number }[] } | undefined)?.ConsumedCapacity;
  const list = Array.isArray(consumed) ? consumed : consumed ? [consumed] : [];
  return list.reduce((sum, entry) => sum + (entry.CapacityUnits ?? 0), 0);
}

function itemsReadFrom(output: unknown): number {
  if (typeof output !== 'object' || output === null) return 0;
  const o = output as { Item?: unknown; Items?: unknown[]; Responses?: unknown; Attributes?: unknown };
  let count = 0;
  if (o.Item) count += 1;
  if (Array.isArray(o.Items)) count += o.Items.length;
  if (o.Attributes) count += 1;
  if (Array.isArray(o.Responses)) count += o.Responses.filter((response) => (response as { Item?: unknown })?.Item).length;
  else if (o.Responses && typeof o.Responses === 'object') {
    for (const list of Object.values(o.Responses as Record<string, unknown[]>)) count += Array.isArray(list) ? list.length : 0;
  }
  return count;
}

const SINGLE_ITEM_WRITES = new Set(['PutCommand', 'UpdateCommand', 'DeleteCommand', 'PutItemCommand', 'UpdateItemCommand', 'DeleteItemCommand']);

function itemsWrittenBy(name: string, input: unknown): number {
  const i = (input ?? {}) as { TransactItems?: unknown[]; RequestItems?: Record<string, unknown> };
  if (SINGLE_ITEM_WRITES.has(name)) return 1;
  if (name === 'TransactWriteCommand' || name === 'TransactWriteItemsCommand') return i.TransactItems?.length ?? 0;
  if (name === 'BatchWriteCommand' || name === 'BatchWriteItemCommand') {
    return Object.values(i.RequestItems ?? {}).reduce<number>((sum, list) => sum + (Array.isArray(list) ? list.length : 0), 0);
  }
  return 0;
}
