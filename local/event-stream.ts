import { appendFile, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DescribeTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  DescribeStreamCommand,
  DynamoDBStreamsClient,
  GetRecordsCommand,
  GetShardIteratorCommand,
  type _Record,
  type Shard,
  type ShardIteratorType,
} from '@aws-sdk/client-dynamodb-streams';
import type { DirectoryEvent } from '../lambdas/core/events/directory-event';
import type { EventSink } from '../lambdas/core/events/ports';
import { EventDeliveryError, forwardStreamRecords, type OutboxStreamRecord } from '../lambdas/events/forwarder';

/**
 * The twin's half of the event path: DynamoDB Local's table stream, read with the Streams API, through the
 * same forwarder as the AWS Lambda, to the twin's sinks. Where AWS has the event source mapping's retries,
 * this has a loop: a batch is retried (capped backoff) until every sink takes it, and only then is its last
 * sequence number checkpointed in DATA_DIR, so a restart resumes there: nothing skipped, nothing reordered,
 * and a batch cut short by a crash is delivered again (at least once).
 */
export interface EventStreamOptions {
  readonly dynamoEndpoint: string;
  readonly tableName: string;
  readonly dataDir: string;
  readonly sinks: readonly EventSink[];
  /** Idle wait between polls of an open shard. @default 100 */
  readonly pollMs?: number;
  /** Longest wait between two attempts of a failing delivery. @default 5000 */
  readonly maxBackoffMs?: number;
  /** Told about failed attempts (it retries regardless). */
  readonly onError?: (error: unknown, attempt: number) => void;
}

export interface RunningEventStream {
  /** Stops after the current attempt; an undelivered batch stays unacknowledged and comes again on restart. */
  stop(): Promise<void>;
}

interface Checkpoint {
  readonly streamArn: string;
  /** Per shard, the last sequence number every sink took. */
  readonly shards: Record<string, string>;
  /** Closed shards read to their end. */
  readonly finished: string[];
}

export const EVENTS_FILE = 'events.ndjson';
const CHECKPOINT_FILE = 'events.checkpoint.json';

/** Appends each event as one JSON line to DATA_DIR/events.ndjson. */
export function ndjsonSink(dataDir: string): EventSink {
  const file = join(dataDir, EVENTS_FILE);
  return { name: 'events.ndjson', deliver: (events) => appendFile(file, events.map((event) => JSON.stringify(event) + '\n').join(''), { mode: 0o600 }) };
}

/**
 * POSTs each event, in order, as the JSON body (the DirectoryEvent itself, as the stage's API destination
 * sends `$.detail`), with the key in `x-api-key`. Anything but a 2xx fails the delivery (it is retried).
 */
export function webhookSink(url: string, apiKey: string | undefined, timeoutMs = 5_000): EventSink {
  return {
    name: `webhook:${new URL(url).host}`,
    async deliver(events: readonly DirectoryEvent[]) {
      for (const event of events) {
        const response = await fetch(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...(apiKey ? { 'x-api-key': apiKey } : {}) },
          body: JSON.stringify(event),
          signal: AbortSignal.timeout(timeoutMs),
        });
        await response.body?.cancel();
        if (!response.ok) throw new Error(`the webhook answered ${response.status} to event ${event.id}`);
      }
    },
  };
}

export async function startEventStream(options: EventStreamOptions): Promise<RunningEventStream> {
  const clientConfig = { endpoint: options.dynamoEndpoint, region: process.env.AWS_REGION ?? 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } };
  const dynamo = new DynamoDBClient(clientConfig);
  const streams = new DynamoDBStreamsClient(clientConfig);
  const table = (await dynamo.send(new DescribeTableCommand({ TableName: options.tableName }))).Table;
  dynamo.destroy();
  const streamArn = table?.LatestStreamArn;
  if (!streamArn) throw new Error(`table ${options.tableName} has no stream: ensureTable enables it`);
  const pollMs = options.pollMs ?? 100;
  const maxBackoffMs = options.maxBackoffMs ?? 5_000;
  const checkpointPath = join(options.dataDir, CHECKPOINT_FILE);
  const saved = await readCheckpoint(checkpointPath);
  // Another stream (the table was re-created): its records start afresh.
  const checkpoint: Checkpoint = saved?.streamArn === streamArn ? saved : { streamArn, shards: {}, finished: [] };

  let stopping = false;
  let wake: (() => void) | undefined;
  const pause = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });

  const iteratorOf = async (shardId: string): Promise<string | undefined> => {
    const after = checkpoint.shards[shardId];
    const type: ShardIteratorType = after ? 'AFTER_SEQUENCE_NUMBER' : 'TRIM_HORIZON';
    try {
      const result = await streams.send(new GetShardIteratorCommand({ StreamArn: streamArn, ShardId: shardId, ShardIteratorType: type, ...(after ? { SequenceNumber: after } : {}) }));
      return result.ShardIterator;
    } catch (error) {
      // The checkpoint is older than the stream's 24 h retention: what followed it is gone; start at the oldest kept.
      if (!after || (error as Error).name !== 'TrimmedDataAccessException') throw error;
      options.onError?.(error, 0);
      return (await streams.send(new GetShardIteratorCommand({ StreamArn: streamArn, ShardId: shardId, ShardIteratorType: 'TRIM_HORIZON' }))).ShardIterator;
    }
  };

  /**
   * Delivers until every sink took the records (or the stream stops): true when delivered. A retry goes to
   * the sinks that have not taken the batch yet (a webhook outage does not repeat lines in events.ndjson).
   */
  const deliver = async (shardId: string, records: _Record[]): Promise<boolean> => {
    let pending = [...options.sinks];
    for (let attempt = 0; !stopping; attempt++) {
      try {
        const result = await forwardStreamRecords(records as OutboxStreamRecord[], pending);
        if (stopping) return false; // a stop during delivery: not acknowledged, delivered again after restart
        if (result.lastSequenceNumber) checkpoint.shards[shardId] = result.lastSequenceNumber;
        await writeCheckpoint(checkpointPath, checkpoint);
        return true;
      } catch (error) {
        if (error instanceof EventDeliveryError) pending = pending.slice(Math.max(0, pending.findIndex((sink) => sink.name === error.sink)));
        options.onError?.(error, attempt);
        await pause(Math.min(maxBackoffMs, 100 * 2 ** attempt));
      }
    }
    return false;
  };

  /** Reads one shard from the checkpoint; returns when the shard is closed and drained, or on stop. */
  const readShard = async (shard: Shard, isOpen: () => boolean): Promise<void> => {
    const shardId = shard.ShardId!;
    let iterator = await iteratorOf(shardId);
    while (iterator && !stopping) {
      let result;
      try {
        result = await streams.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: 1000 }));
      } catch (error) {
        if ((error as Error).name !== 'ExpiredIteratorException') throw error;
        iterator = await iteratorOf(shardId);
        continue;
      }
      const records = result.Records ?? [];
      if (records.length > 0 && !(await deliver(shardId, records))) return;
      iterator = result.NextShardIterator;
      if (records.length === 0) {
        if (!isOpen()) return;
        await pause(pollMs);
      }
    }
    if (!stopping) {
      checkpoint.finished.push(shardId);
      await writeCheckpoint(checkpointPath, checkpoint);
    }
  };

  const run = async () => {
    while (!stopping) {
      try {
        const description = (await streams.send(new DescribeStreamCommand({ StreamArn: streamArn }))).StreamDescription;
        const shards = (description?.Shards ?? []).filter((shard) => !checkpoint.finished.includes(shard.ShardId!));
        const ordered = parentsFirst(shards);
        const closed = ordered.filter((shard) => shard.SequenceNumberRange?.EndingSequenceNumber);
        for (const shard of closed) await readShard(shard, () => false);
        const open = ordered.find((shard) => !shard.SequenceNumberRange?.EndingSequenceNumber);
        if (open) {
          // Read until the shard closes (its iterator ends) or a new shard appears; then describe again.
          await readShard(open, () => true);
        } else await pause(pollMs);
      } catch (error) {
        options.onError?.(error, 0);
        await pause(Math.min(maxBackoffMs, 1_000));
      }
    }
  };

  const loop = run();
  return {
    async stop() {
      stopping = true;
      wake?.();
      await loop;
      streams.destroy();
    },
  };
}

/**
 * Parents before children: a key's records move to the child shard only after the parent's. (A pairwise
 * comparator cannot sort a chain of rolled-over shards: it is not transitive.)
 */
export function parentsFirst(shards: readonly Shard[]): Shard[] {
  const byId = new Map(shards.map((shard) => [shard.ShardId, shard]));
  const placed = new Set<string | undefined>();
  const ordered: Shard[] = [];
  const place = (shard: Shard): void => {
    if (placed.has(shard.ShardId)) return;
    placed.add(shard.ShardId);
    const parent = shard.ParentShardId === undefined ? undefined : byId.get(shard.ParentShardId);
    if (parent) place(parent);
    ordered.push(shard);
  };
  shards.forEach(place);
  return ordered;
}

async function readCheckpoint(path: string): Promise<Checkpoint | undefined> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as Checkpoint;
  } catch {
    return undefined;
  }
}

/** Written aside then renamed: a crash leaves the old checkpoint or the new one, never half of one. */
async function writeCheckpoint(path: string, checkpoint: Checkpoint): Promise<void> {
  await writeFile(`${path}.tmp`, JSON.stringify(checkpoint), { mode: 0o600 });
  await rename(`${path}.tmp`, path);
}
