import { randomUUID } from 'node:crypto';
import {
  BatchGetCommand,
  BatchWriteCommand,
  QueryCommand,
  TransactWriteCommand,
  type BatchWriteCommandOutput,
  type DynamoDBDocumentClient,
  type QueryCommandInput,
  type TransactWriteCommandInput,
} from '@aws-sdk/lib-dynamodb';
import type { Clock } from '../../core/clock';
import { InvalidInputError, TooManyRequestsError } from '../../core/errors';
import type { TenantId } from '../../core/ids';
import type { Page, PageRequest } from '../../core/paging';
import type { Item } from './items';
import { keys, type TableKey } from './keys';

/** What the adapters need of a document client: only `send`, so a counting wrapper fits too. */
export type DocumentSender = Pick<DynamoDBDocumentClient, 'send'>;

export interface DynamoContext {
  readonly db: DocumentSender;
  readonly tableName: string;
  readonly clock: Clock;
}

export type TransactItem = NonNullable<TransactWriteCommandInput['TransactItems']>[number];

/** DynamoDB's limit on items per TransactWriteItems call. */
export const MAX_TRANSACT_ITEMS = 100;
const MAX_BATCH_GET = 100;
const MAX_BATCH_WRITE = 25;
const MAX_ATTEMPTS = 10;

/** A transaction failed because of these items' conditions; callers turn it into a domain error. */
export class ConditionsFailed extends Error {
  constructor(
    readonly failedIndexes: number[],
    options?: ErrorOptions,
  ) {
    super(`transaction condition failed on item(s) ${failedIndexes.join(', ')}`, options);
  }
}

/** Full jitter, exponential up to a cap: concurrent losers spread out instead of colliding again. */
export const jitteredBackoff = (attempt: number, stepMs = 10, capMs = 400) =>
  new Promise((resolve) => setTimeout(resolve, Math.random() * Math.min(capMs, stepMs * 2 ** attempt)));
const backoff = (attempt: number) => jitteredBackoff(attempt);

function cancellationCodes(error: unknown): string[] | undefined {
  if (!(error instanceof Error) || error.name !== 'TransactionCanceledException') return undefined;
  const reasons = (error as { CancellationReasons?: { Code?: string }[] }).CancellationReasons;
  return reasons?.map((reason) => reason.Code ?? 'None');
}

const ITEM_TOO_LARGE = 'the resource is too large to store: one stored item holds at most 400 KB (profile attributes included)';
const isItemTooLarge = (error: unknown): boolean =>
  error instanceof Error && error.name === 'ValidationException' && /item size/i.test(error.message);
/** Retries exhausted on a hot item (e.g. the tenant's counters under a burst): the caller should retry shortly. */
const busy = () => new TooManyRequestsError('too many concurrent changes to the same records; retry in a moment', 1);

export const isConditionalCheckFailed = (error: unknown): boolean =>
  error instanceof Error && error.name === 'ConditionalCheckFailedException';

/**
 * TransactWriteItems that retries transaction conflicts and throttling (another writer held one of
 * the items) and reports condition failures by item index as ConditionsFailed.
 */
export async function transactWrite(ctx: DynamoContext, transactItems: TransactItem[]): Promise<void> {
  if (transactItems.length > MAX_TRANSACT_ITEMS) {
    throw new Error(`a transaction may hold at most ${MAX_TRANSACT_ITEMS} items, got ${transactItems.length}`);
  }
  for (let attempt = 0; ; attempt++) {
    try {
      // The SDK's own retries resend this token, so a commit whose answer was lost is not applied twice;
      // our retries after a cancellation are new attempts with a new token.
      await ctx.db.send(new TransactWriteCommand({ TransactItems: transactItems, ClientRequestToken: randomUUID() }));
      return;
    } catch (error) {
      if (isItemTooLarge(error)) throw new InvalidInputError(ITEM_TOO_LARGE, { cause: error });
      const codes = cancellationCodes(error);
      if (!codes) {
        if (!(error instanceof Error && error.name === 'TransactionInProgressException')) throw error;
        if (attempt >= MAX_ATTEMPTS) throw busy();
        await backoff(attempt);
        continue;
      }
      const failed = codes.flatMap((code, index) => (code === 'ConditionalCheckFailed' ? [index] : []));
      if (failed.length > 0) throw new ConditionsFailed(failed, { cause: error });
      if (codes.includes('ValidationError')) {
        const reasons = (error as { CancellationReasons?: { Message?: string }[] }).CancellationReasons ?? [];
        if (reasons.some((reason) => /size/i.test(reason.Message ?? ''))) throw new InvalidInputError(ITEM_TOO_LARGE, { cause: error });
      }
      const retryable = codes.some((code) => code === 'TransactionConflict' || code === 'ThrottlingError' || code === 'ProvisionedThroughputExceeded');
      if (!retryable) throw error;
      if (attempt >= MAX_ATTEMPTS) throw busy();
      await backoff(attempt);
    }
  }
}

export function put(ctx: DynamoContext, item: Item, condition?: Condition): TransactItem {
  return { Put: { TableName: ctx.tableName, Item: item, ...conditionParams(condition) } };
}
export function del(ctx: DynamoContext, key: TableKey, condition?: Condition): TransactItem {
  return { Delete: { TableName: ctx.tableName, Key: { pk: key.pk, sk: key.sk }, ...conditionParams(condition) } };
}
export function update(
  ctx: DynamoContext,
  key: TableKey,
  updateExpression: string,
  values: Record<string, unknown>,
  condition?: Condition,
  names?: Record<string, string>,
): TransactItem {
  const conditionPart = conditionParams(condition);
  return {
    Update: {
      TableName: ctx.tableName,
      Key: { pk: key.pk, sk: key.sk },
      UpdateExpression: updateExpression,
      ExpressionAttributeValues: { ...values, ...conditionPart.ExpressionAttributeValues },
      ...(conditionPart.ConditionExpression ? { ConditionExpression: conditionPart.ConditionExpression } : {}),
      ...(names || conditionPart.ExpressionAttributeNames
        ? { ExpressionAttributeNames: { ...names, ...conditionPart.ExpressionAttributeNames } }
        : {}),
    },
  };
}

/** Per-tenant exact counts, changed in the same transaction as the create/delete they count. */
export function countersUpdate(ctx: DynamoContext, tenantId: TenantId, counter: 'users' | 'groups', delta: 1 | -1): TransactItem {
  return update(ctx, keys.counters(tenantId), 'ADD #counter :delta SET entity = :entity', { ':delta': delta, ':entity': 'Counters' }, undefined, {
    '#counter': counter,
  });
}

export interface Condition {
  readonly expression: string;
  readonly values?: Record<string, unknown>;
  readonly names?: Record<string, string>;
}
export const mustNotExist: Condition = { expression: 'attribute_not_exists(pk)' };
export const mustExist: Condition = { expression: 'attribute_exists(pk)' };
export const versionIs = (expected: number): Condition => ({
  expression: '#version = :expectedVersion',
  values: { ':expectedVersion': expected },
  names: { '#version': 'version' },
});

interface ConditionParams {
  ConditionExpression?: string;
  ExpressionAttributeValues?: Record<string, unknown>;
  ExpressionAttributeNames?: Record<string, string>;
}

function conditionParams(condition?: Condition): ConditionParams {
  if (!condition) return {};
  return {
    ConditionExpression: condition.expression,
    ...(condition.values && Object.keys(condition.values).length > 0 ? { ExpressionAttributeValues: condition.values } : {}),
    ...(condition.names ? { ExpressionAttributeNames: condition.names } : {}),
  };
}

export function chunk<T>(values: readonly T[], size: number): T[][] {
  const chunks: T[][] = [];
  for (let i = 0; i < values.length; i += size) chunks.push(values.slice(i, i + size));
  return chunks;
}

/** BatchGetItem in chunks of 100, following UnprocessedKeys; the order of the result is not the order of `keys`. */
export async function batchGet(ctx: DynamoContext, keyList: readonly TableKey[], consistent = false): Promise<Item[]> {
  const found: Item[] = [];
  const unique = [...new Map(keyList.map((key) => [`${key.pk}\u0000${key.sk}`, { pk: key.pk, sk: key.sk }])).values()];
  for (const part of chunk(unique, MAX_BATCH_GET)) {
    let pending: Record<string, unknown>[] | undefined = part;
    for (let attempt = 0; pending && pending.length > 0; attempt++) {
      if (attempt > 0) await backoff(attempt);
      const result = await ctx.db.send(new BatchGetCommand({ RequestItems: { [ctx.tableName]: { Keys: pending, ConsistentRead: consistent } } }));
      found.push(...((result.Responses?.[ctx.tableName] ?? []) as Item[]));
      pending = result.UnprocessedKeys?.[ctx.tableName]?.Keys as Record<string, unknown>[] | undefined;
      if (attempt > MAX_ATTEMPTS) throw new Error('DynamoDB kept returning unprocessed keys; try again later');
    }
  }
  return found;
}

/** BatchWriteItem deletes in chunks of 25, following UnprocessedItems. Unconditional. */
export async function batchDelete(ctx: DynamoContext, keyList: readonly TableKey[]): Promise<void> {
  for (const part of chunk(keyList, MAX_BATCH_WRITE)) {
    let pending: NonNullable<ConstructorParameters<typeof BatchWriteCommand>[0]['RequestItems']>[string] | undefined = part.map((key) => ({
      DeleteRequest: { Key: { pk: key.pk, sk: key.sk } },
    }));
    for (let attempt = 0; pending && pending.length > 0; attempt++) {
      if (attempt > 0) await backoff(attempt);
      const result: BatchWriteCommandOutput = await ctx.db.send(new BatchWriteCommand({ RequestItems: { [ctx.tableName]: pending } }));
      pending = result.UnprocessedItems?.[ctx.tableName];
      if (attempt > MAX_ATTEMPTS) throw new Error('DynamoDB kept returning unprocessed writes; try again later');
    }
  }
}

type QueryInput = Omit<QueryCommandInput, 'TableName' | 'ExclusiveStartKey' | 'Limit'>;

/** Every item of a (bounded) partition range, following LastEvaluatedKey. */
export async function queryAll(ctx: DynamoContext, input: QueryInput, maxItems = Number.POSITIVE_INFINITY): Promise<Item[]> {
  const found: Item[] = [];
  let startKey: Record<string, unknown> | undefined;
  do {
    const remaining = maxItems - found.length;
    const result = await ctx.db.send(
      new QueryCommand({
        ...input,
        TableName: ctx.tableName,
        ExclusiveStartKey: startKey,
        ...(Number.isFinite(remaining) ? { Limit: remaining } : {}),
      }),
    );
    found.push(...((result.Items ?? []) as Item[]));
    startKey = result.LastEvaluatedKey;
  } while (startKey && found.length < maxItems);
  return found;
}

/**
 * Resolves lookup entries (`pk = partition, sk begins_with prefix`) to the items they point at, with
 * strongly consistent reads: the lookup entries and the items are written in one transaction.
 */
export async function findThroughIndex<T extends { readonly id: string }>(
  ctx: DynamoContext,
  lookup: { readonly partition: string; readonly prefix: string },
  targetKey: (entry: Item) => TableKey,
  decode: (item: Item) => T,
): Promise<T[]> {
  const entries = await queryAll(ctx, {
    KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
    ExpressionAttributeValues: { ':pk': lookup.partition, ':prefix': lookup.prefix },
    ConsistentRead: true,
  });
  if (entries.length === 0) return [];
  const found = await batchGet(ctx, entries.map(targetKey), true);
  return found.map(decode).sort((a, b) => a.id.localeCompare(b.id));
}

export const MAX_PAGE_LIMIT = 1000;

/** What a cursor must look like for one listing: checked on the way in, so a cursor cannot leave its listing. */
export interface CursorScope {
  /** Attribute names of the start key: the table's (pk, sk) plus the index's for a GSI query. */
  readonly attributes: readonly string[];
  /** Attributes whose value is fixed for the listing (the partition). */
  readonly fixed: Readonly<Record<string, string>>;
  /** Attributes whose value must start with a prefix (the sort key range). */
  readonly prefixed?: Readonly<Record<string, string>>;
}

const INVALID_CURSOR = 'the pagination cursor is not valid for this listing: start again from the first page';

export function encodeCursor(startKey: Record<string, unknown>): string {
  return Buffer.from(JSON.stringify(startKey), 'utf8').toString('base64url');
}

export function decodeCursor(cursor: string, scope: CursorScope): Record<string, string> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch (error) {
    throw new InvalidInputError(INVALID_CURSOR, { cause: error });
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new InvalidInputError(INVALID_CURSOR);
  const record = parsed as Record<string, unknown>;
  const names = Object.keys(record).sort();
  const expected = [...scope.attributes].sort();
  if (names.length !== expected.length || names.some((name, i) => name !== expected[i])) throw new InvalidInputError(INVALID_CURSOR);
  if (!Object.values(record).every((value) => typeof value === 'string')) throw new InvalidInputError(INVALID_CURSOR);
  const key = record as Record<string, string>;
  for (const [name, value] of Object.entries(scope.fixed)) if (key[name] !== value) throw new InvalidInputError(INVALID_CURSOR);
  for (const [name, prefix] of Object.entries(scope.prefixed ?? {})) if (!key[name]?.startsWith(prefix)) throw new InvalidInputError(INVALID_CURSOR);
  return key;
}

export function checkPageLimit(limit: number): void {
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE_LIMIT) {
    throw new InvalidInputError(`a page holds from 1 to ${MAX_PAGE_LIMIT} items, asked for ${limit}`);
  }
}

/**
 * One keyset page. Reads limit + 1 items so that the last page carries no cursor (a client never
 * follows a cursor to an empty page); the cursor is the key of the last item returned.
 */
export async function queryPage<T>(
  ctx: DynamoContext,
  input: QueryInput,
  page: PageRequest,
  scope: CursorScope,
  decodeItem: (item: Item) => T,
): Promise<Page<T>> {
  checkPageLimit(page.limit);
  const startKey = page.cursor === undefined ? undefined : decodeCursor(page.cursor, scope);
  const wanted = page.limit + 1;
  const found: Item[] = [];
  let next: Record<string, unknown> | undefined = startKey;
  // A filtered query may return fewer than Limit items with more to come: keep reading.
  do {
    const result = await ctx.db.send(
      new QueryCommand({ ...input, TableName: ctx.tableName, ExclusiveStartKey: next, Limit: wanted - found.length }),
    );
    found.push(...((result.Items ?? []) as Item[]));
    next = result.LastEvaluatedKey;
  } while (next && found.length < wanted);

  const pageItems = found.slice(0, page.limit);
  const last = pageItems.at(-1);
  const hasMore = found.length > page.limit;
  return {
    items: pageItems.map(decodeItem),
    ...(hasMore && last ? { cursor: encodeCursor(Object.fromEntries(scope.attributes.map((name) => [name, last[name]]))) } : {}),
  };
}
