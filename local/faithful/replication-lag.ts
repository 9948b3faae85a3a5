import { BatchGetCommand, GetCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { tableDefinition } from '../../lambdas/adapters/dynamodb/table-definition';

/**
 * DynamoDB's eventual consistency, imposed on DynamoDB Local (which always answers with the latest
 * write). For the faithful twin and the tests only; Lambdas never see this module.
 *
 * What it models:
 * - A write acknowledged at time t reaches the replicas that serve eventually consistent reads, and
 *   the GSI, at t + lag (lag = `lagMs` plus up to `jitterMs`), in write order per item.
 * - GetItem and BatchGetItem without `ConsistentRead: true` answer with the image that was current
 *   before the pending writes: the previous version, or nothing if the item did not exist.
 * - Query without `ConsistentRead: true` and every GSI Query: items written within the lag are
 *   replaced by their previous image, or dropped when that image did not exist or no longer matches
 *   the key condition; items deleted (or moved out of the key range) within the lag come back when
 *   their previous image matches the key condition and falls inside the page's key range.
 * - `ConsistentRead: true` on a GSI fails with ValidationException, as on AWS.
 *
 * What it does not model: a replica that is *more* stale than another (two eventually consistent
 * reads always agree here), Scan (passed through: the adapters never scan), FilterExpression or
 * ProjectionExpression on re-added items (a query with a FilterExpression gets drops and
 * replacements but no re-added items), Select COUNT, throttling, TTL deletion lag, and writes made
 * by another client than this wrapper (they are seen at once).
 *
 * How: after each successful Put/Update/Delete/TransactWrite/BatchWrite sent through the wrapper,
 * every key it touched is read back with consistent reads (one GetItem, or BatchGetItems of 100 keys)
 * and its (visibleAt, image) appended to that key's history; the first write to a key also records
 * the image before it. Entries whose every version is visible are forgotten.
 */
export interface ReplicationLagOptions {
  /** How long a write stays invisible to eventually consistent reads. @default 1000 */
  readonly lagMs?: number;
  /** Extra random delay, 0 to jitterMs, per write. @default lagMs / 4 */
  readonly jitterMs?: number;
  /** @default Date.now */
  readonly now?: () => number;
  /** @default Math.random */
  readonly random?: () => number;
}

export interface LaggedClient {
  /** Pass this wherever a DynamoDBDocumentClient is expected. */
  readonly db: DynamoDBDocumentClient;
  /** Keys (per table) whose latest write is not yet visible to eventually consistent reads. */
  pendingKeys(tableName: string): number;
}

type Item = Record<string, unknown>;
interface Version {
  /** When eventually consistent reads start to see this image. */
  readonly visibleAt: number;
  /** undefined: the item does not exist in this version. */
  readonly image: Item | undefined;
}
type History = Version[];
type Command = { constructor: { name: string }; input?: unknown };
type Send = (command: Command, ...rest: unknown[]) => Promise<unknown>;

const PK = tableDefinition.partitionKey;
const SK = tableDefinition.sortKey;
const WRITES = new Set(['PutCommand', 'UpdateCommand', 'DeleteCommand', 'TransactWriteCommand', 'BatchWriteCommand']);
const LOW_LEVEL_WRITES = new Set(['PutItemCommand', 'UpdateItemCommand', 'DeleteItemCommand', 'TransactWriteItemsCommand', 'BatchWriteItemCommand']);

const keyOf = (item: Item): string => JSON.stringify([item[PK], item[SK]]);

/**
 * Wraps a document client so that eventually consistent reads lag behind writes.
 *
 * @example
 * const lagged = withReplicationLag(createDocumentClient({ endpoint }), { lagMs: 1000 });
 * const adapters = createDynamoAdapters({ db: lagged.db, tableName });
 */
export function withReplicationLag(client: DynamoDBDocumentClient, options: ReplicationLagOptions = {}): LaggedClient {
  const lagMs = options.lagMs ?? 1000;
  const jitterMs = options.jitterMs ?? lagMs / 4;
  const now = options.now ?? Date.now;
  const random = options.random ?? Math.random;
  const raw: Send = (command, ...rest) => (client.send as unknown as Send)(command, ...rest);
  const histories = new Map<string, Map<string, History>>();

  const tableHistory = (table: string): Map<string, History> => {
    let found = histories.get(table);
    if (!found) histories.set(table, (found = new Map()));
    return found;
  };

  /** The image eventually consistent reads see now, or `current` when nothing is pending. */
  const visibleImage = (table: string, key: string): { pending: boolean; image: Item | undefined } | undefined => {
    const history = histories.get(table)?.get(key);
    // An empty history is a first write still reading its before-image: nothing is pending yet.
    if (!history || history.length === 0) return undefined;
    const at = now();
    let visible: Version | undefined;
    for (const version of history) if (version.visibleAt <= at) visible = version;
    const pending = history.at(-1)!.visibleAt > at;
    if (!pending) {
      histories.get(table)!.delete(key);
      return undefined;
    }
    return { pending, image: visible?.image };
  };

  /**
   * Current images of keys (by keyOf), absent ones undefined: one GetItem, or BatchGetItems of 100,
   * so a big write costs a few reads, not one per item.
   */
  const consistentGetMany = async (table: string, list: Item[]): Promise<Map<string, Item | undefined>> => {
    const unique = [...new Map(list.map((key) => [keyOf(key), { [PK]: key[PK], [SK]: key[SK] }])).entries()];
    const images = new Map<string, Item | undefined>(unique.map(([id]) => [id, undefined]));
    if (unique.length === 1) {
      const result = (await raw(new GetCommand({ TableName: table, Key: unique[0]![1], ConsistentRead: true }))) as { Item?: Item };
      images.set(unique[0]![0], result.Item);
      return images;
    }
    await Promise.all(
      chunks(unique.map(([, key]) => key), 100).map(async (part) => {
        let pending: Item[] | undefined = part;
        while (pending && pending.length > 0) {
          const result = (await raw(new BatchGetCommand({ RequestItems: { [table]: { Keys: pending, ConsistentRead: true } } }))) as {
            Responses?: Record<string, Item[]>;
            UnprocessedKeys?: Record<string, { Keys?: Item[] }>;
          };
          for (const item of result.Responses?.[table] ?? []) images.set(keyOf(item), item);
          pending = result.UnprocessedKeys?.[table]?.Keys;
        }
      }),
    );
    return images;
  };

  /** Before a write: the first write to a key through us must remember what was there before it. */
  const seed = async (touched: Map<string, Item[]>): Promise<void> => {
    const reads: Promise<void>[] = [];
    for (const [table, list] of touched) {
      const history = tableHistory(table);
      const fresh = new Map<string, { key: Item; entry: History }>();
      for (const key of list) {
        const id = keyOf(key);
        if (history.has(id)) continue;
        const entry: History = [];
        history.set(id, entry);
        fresh.set(id, { key, entry });
      }
      if (fresh.size === 0) continue;
      const read = consistentGetMany(table, [...fresh.values()].map(({ key }) => key));
      reads.push(read.then((images) => fresh.forEach(({ entry }, id) => void entry.unshift({ visibleAt: 0, image: images.get(id) }))));
    }
    await Promise.all(reads);
  };

  let writesSinceSweep = 0;
  /** Forgets keys whose every version is visible (they read the same through the wrapper or without it). */
  const sweep = () => {
    for (const [table, history] of histories) for (const id of [...history.keys()]) visibleImage(table, id);
  };

  /** After a successful write: the new images become visible after the lag, never before an earlier write's. */
  const record = async (touched: Map<string, Item[]>): Promise<void> => {
    if (++writesSinceSweep >= 500) {
      writesSinceSweep = 0;
      sweep();
    }
    const reads: Promise<void>[] = [];
    for (const [table, list] of touched) {
      const history = tableHistory(table);
      reads.push(
        consistentGetMany(table, list).then((images) => {
          for (const [id, image] of images) {
            const entry = history.get(id) ?? [];
            const previous = entry.at(-1)?.visibleAt ?? 0;
            entry.push({ visibleAt: Math.max(previous, now() + lagMs + random() * jitterMs), image });
            history.set(id, entry);
          }
        }),
      );
    }
    await Promise.all(reads);
  };

  const send: Send = async (command, ...rest) => {
    const name = command.constructor.name;
    const input = (command.input ?? {}) as Record<string, unknown>;
    if (LOW_LEVEL_WRITES.has(name)) throw new Error(`withReplicationLag wraps the document client; ${name} (low-level) is not tracked`);
    if (WRITES.has(name)) {
      const touched = keysWrittenBy(name, input);
      await seed(touched);
      const output = await raw(command, ...rest);
      await record(touched);
      return output;
    }
    if (name === 'QueryCommand' && typeof input.IndexName === 'string' && input.ConsistentRead === true) {
      throw validationError('Consistent reads are not supported on global secondary indexes');
    }
    const output = await raw(command, ...rest);
    if (name === 'GetCommand' && input.ConsistentRead !== true) return lagGet(input, output as { Item?: Item });
    if (name === 'BatchGetCommand') return lagBatchGet(input, output as { Responses?: Record<string, Item[]> });
    if (name === 'QueryCommand' && (input.ConsistentRead !== true || input.IndexName !== undefined)) return lagQuery(input, output as QueryOutput);
    return output;
  };

  const lagGet = (input: Record<string, unknown>, output: { Item?: Item }) => {
    const seen = visibleImage(String(input.TableName), keyOf(input.Key as Item));
    if (!seen) return output;
    const { Item: _current, ...rest } = output;
    return seen.image ? { ...rest, Item: project(seen.image, input) } : rest;
  };

  const lagBatchGet = (input: Record<string, unknown>, output: { Responses?: Record<string, Item[]> }) => {
    const requests = (input.RequestItems ?? {}) as Record<string, { Keys?: Item[]; ConsistentRead?: boolean; ProjectionExpression?: string; ExpressionAttributeNames?: Record<string, string> }>;
    const responses: Record<string, Item[]> = { ...output.Responses };
    for (const [table, request] of Object.entries(requests)) {
      if (request.ConsistentRead === true) continue;
      const returned = new Map((responses[table] ?? []).map((item) => [keyOf(item), item]));
      // Only keys DynamoDB answered (unprocessed keys stay unprocessed).
      const unprocessed = new Set(((output as { UnprocessedKeys?: Record<string, { Keys?: Item[] }> }).UnprocessedKeys?.[table]?.Keys ?? []).map(keyOf));
      for (const key of request.Keys ?? []) {
        const id = keyOf(key);
        if (unprocessed.has(id)) continue;
        const seen = visibleImage(table, id);
        if (!seen) continue;
        if (seen.image) returned.set(id, project(seen.image, request as Record<string, unknown>));
        else returned.delete(id);
      }
      responses[table] = [...returned.values()];
    }
    return { ...output, Responses: responses };
  };

  const lagQuery = (input: Record<string, unknown>, output: QueryOutput) => {
    const table = String(input.TableName);
    const history = histories.get(table);
    if (!history || history.size === 0) return output;
    const condition = parseKeyCondition(input);
    const matches = (image: Item | undefined): image is Item => image !== undefined && condition !== undefined && condition.matches(image);
    const items: Item[] = [];
    const present = new Set<string>();
    for (const item of output.Items ?? []) {
      const seen = visibleImage(table, keyOf(item));
      present.add(keyOf(item));
      if (!seen) items.push(item);
      else if (matches(seen.image)) items.push(project(seen.image, input));
    }
    // Recently deleted or moved items whose previous image belongs in this page come back.
    if (condition && input.FilterExpression === undefined) {
      const order = orderOf(condition.sortAttribute, input.ScanIndexForward !== false);
      const start = input.ExclusiveStartKey as Item | undefined;
      const end = output.LastEvaluatedKey;
      for (const id of [...history.keys()]) {
        if (present.has(id)) continue;
        const seen = visibleImage(table, id);
        if (!seen || !matches(seen.image)) continue;
        if (start && order(seen.image, start) <= 0) continue;
        if (end && order(seen.image, end) > 0) continue;
        items.push(project(seen.image, input));
      }
      items.sort(order);
    }
    // Items brought back must not overflow the page: the page then ends at its last item, as DynamoDB's would.
    const limit = typeof input.Limit === 'number' ? input.Limit : undefined;
    if (limit !== undefined && items.length > limit) {
      items.length = limit;
      const last = items.at(-1)!;
      const keyNames = [PK, SK, ...(condition && condition.sortAttribute !== SK ? indexKeyNames(input.IndexName) : [])];
      return { ...output, Items: items, Count: items.length, LastEvaluatedKey: Object.fromEntries(keyNames.map((name) => [name, last[name]])) };
    }
    return { ...output, Items: items, Count: items.length };
  };

  const wrapped = new Proxy(client, {
    get(target, property, receiver) {
      if (property === 'send') return send;
      return Reflect.get(target, property, receiver);
    },
  });

  return {
    db: wrapped,
    pendingKeys(tableName) {
      const history = histories.get(tableName);
      if (!history) return 0;
      return [...history.keys()].filter((id) => visibleImage(tableName, id)?.pending).length;
    },
  };
}

interface QueryOutput {
  Items?: Item[];
  Count?: number;
  LastEvaluatedKey?: Item;
}

function keysWrittenBy(name: string, input: Record<string, unknown>): Map<string, Item[]> {
  const touched = new Map<string, Item[]>();
  const add = (table: unknown, key: unknown) => {
    if (typeof table !== 'string' || typeof key !== 'object' || key === null) return;
    const list = touched.get(table) ?? [];
    list.push({ [PK]: (key as Item)[PK], [SK]: (key as Item)[SK] });
    touched.set(table, list);
  };
  if (name === 'PutCommand') add(input.TableName, input.Item);
  if (name === 'UpdateCommand' || name === 'DeleteCommand') add(input.TableName, input.Key);
  if (name === 'TransactWriteCommand') {
    for (const entry of (input.TransactItems ?? []) as Record<string, { TableName?: string; Item?: Item; Key?: Item }>[]) {
      if (entry.Put) add(entry.Put.TableName, entry.Put.Item);
      if (entry.Update) add(entry.Update.TableName, entry.Update.Key);
      if (entry.Delete) add(entry.Delete.TableName, entry.Delete.Key);
    }
  }
  if (name === 'BatchWriteCommand') {
    for (const [table, requests] of Object.entries((input.RequestItems ?? {}) as Record<string, { PutRequest?: { Item: Item }; DeleteRequest?: { Key: Item } }[]>)) {
      for (const request of requests) add(table, request.PutRequest?.Item ?? request.DeleteRequest?.Key);
    }
  }
  return touched;
}

interface KeyCondition {
  readonly sortAttribute: string;
  matches(image: Item): boolean;
}

const KEY_ATTRIBUTES = new Map<string | undefined, { partition: string; sort: string }>([
  [undefined, { partition: PK, sort: SK }],
  ...tableDefinition.globalSecondaryIndexes.map((index) => [index.indexName, { partition: index.partitionKey, sort: index.sortKey }] as const),
]);

function indexKeyNames(indexName: unknown): string[] {
  const attributes = KEY_ATTRIBUTES.get(indexName as string | undefined);
  return attributes ? [attributes.partition, attributes.sort] : [];
}

/**
 * The key conditions the adapters use: `p = :v`, optionally `AND begins_with(s, :v)`, `s = :v`,
 * `s < | <= | > | >= :v` or `s BETWEEN :a AND :b`. Anything else: undefined (then a pending item is
 * dropped rather than re-added, which errs on the side of staleness).
 */
function parseKeyCondition(input: Record<string, unknown>): KeyCondition | undefined {
  const attributes = KEY_ATTRIBUTES.get(input.IndexName as string | undefined);
  const expression = input.KeyConditionExpression;
  if (!attributes || typeof expression !== 'string') return undefined;
  const names = (input.ExpressionAttributeNames ?? {}) as Record<string, string>;
  const values = (input.ExpressionAttributeValues ?? {}) as Record<string, unknown>;
  const name = (token: string) => names[token] ?? token;
  const tests: ((image: Item) => boolean)[] = [];
  const between = expression.replace(/BETWEEN\s+(:\w+)\s+AND\s+(:\w+)/gi, 'BETWEEN $1 & $2');
  for (const part of between.split(/\s+AND\s+/i)) {
    const clause = part.trim().replace(/^\((.*)\)$/, '$1').trim();
    let match = /^begins_with\(\s*(\S+?)\s*,\s*(:\w+)\s*\)$/i.exec(clause);
    if (match) {
      const [attribute, value] = [name(match[1]!), values[match[2]!]];
      tests.push((image) => typeof image[attribute] === 'string' && typeof value === 'string' && (image[attribute] as string).startsWith(value));
      continue;
    }
    match = /^(\S+)\s+BETWEEN\s+(:\w+) & (:\w+)$/i.exec(clause);
    if (match) {
      const [attribute, low, high] = [name(match[1]!), values[match[2]!], values[match[3]!]];
      tests.push((image) => compare(image[attribute], low) >= 0 && compare(image[attribute], high) <= 0);
      continue;
    }
    match = /^(\S+)\s*(=|<=|>=|<|>)\s*(:\w+)$/.exec(clause);
    if (!match) return undefined;
    const [attribute, op, value] = [name(match[1]!), match[2]!, values[match[3]!]];
    tests.push((image) => {
      if (!(attribute in image)) return false;
      const c = compare(image[attribute], value);
      return op === '=' ? c === 0 : op === '<' ? c < 0 : op === '<=' ? c <= 0 : op === '>' ? c > 0 : c >= 0;
    });
  }
  // An item without the index's keys is not in the index at all.
  const inIndex = (image: Item) => attributes.partition in image && attributes.sort in image;
  return { sortAttribute: attributes.sort, matches: (image) => inIndex(image) && tests.every((test) => test(image)) };
}

function compare(a: unknown, b: unknown): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  const [x, y] = [String(a), String(b)];
  // DynamoDB orders strings by UTF-8 bytes.
  return Buffer.compare(Buffer.from(x, 'utf8'), Buffer.from(y, 'utf8'));
}

/** Query order: by the sort key (then the table key, for index ties), reversed when ScanIndexForward is false. */
function orderOf(sortAttribute: string, forward: boolean): (a: Item, b: Item) => number {
  return (a, b) => {
    const c = compare(a[sortAttribute], b[sortAttribute]) || compare(a[PK], b[PK]) || compare(a[SK], b[SK]);
    return forward ? c : -c;
  };
}

/** Top-level attribute projections only (what the adapters use); anything else returns the whole image. */
function project(image: Item, input: Record<string, unknown>): Item {
  const expression = input.ProjectionExpression;
  if (typeof expression !== 'string') return image;
  const names = (input.ExpressionAttributeNames ?? {}) as Record<string, string>;
  const wanted = expression.split(',').map((token) => names[token.trim()] ?? token.trim());
  if (wanted.some((attribute) => /[.[]/.test(attribute))) return image;
  return Object.fromEntries(wanted.filter((attribute) => attribute in image).map((attribute) => [attribute, image[attribute]]));
}

function validationError(message: string): Error {
  const error = new Error(message);
  error.name = 'ValidationException';
  return error;
}

function chunks<T>(values: readonly T[], size: number): T[][] {
  const parts: T[][] = [];
  for (let i = 0; i < values.length; i += size) parts.push(values.slice(i, i + size));
  return parts;
}
