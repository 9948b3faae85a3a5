import { describe, expect, it } from 'vitest';
import type { PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { outboxItem } from '../../lambdas/adapters/dynamodb/outbox';
import { eventBusSink } from '../../lambdas/adapters/eventbridge/event-bus-sink';
import { DirectoryEvents } from '../../lambdas/core/events/build';
import type { DirectoryEvent } from '../../lambdas/core/events/directory-event';
import { asGroupId, asTenantId, asUserId } from '../../lambdas/core/ids';
import { EventDeliveryError, forwardStreamRecords, type OutboxStreamRecord } from '../../lambdas/events/forwarder';
import { createStreamHandler } from '../../lambdas/events/handler';
import { Logger } from '../../lambdas/http/logger';
import { CollectingSink } from './support';

const build = new DirectoryEvents({ now: () => new Date('2026-01-01T00:00:00Z') });
const tenantId = asTenantId('t00000000000f');
const eventN = (n: number): DirectoryEvent => build.membersChanged('added', tenantId, asGroupId('g1'), n, [asUserId(`u${n}`)], { actor: 'system' });

/** A stream record as DynamoDB Streams gives it: the item's new image in AttributeValue form. */
const insertOf = (event: DirectoryEvent, seq: string): OutboxStreamRecord => {
  const item = outboxItem(event, new Date());
  return { eventName: 'INSERT', dynamodb: { SequenceNumber: seq, NewImage: Object.fromEntries(Object.entries(item).map(([key, value]) => [key, { S: String(value) }])) } };
};

describe('forwardStreamRecords', () => {
  it('passes outbox INSERTs to every sink in record order and ignores other records (TTL REMOVEs, other items)', async () => {
    const records: OutboxStreamRecord[] = [
      insertOf(eventN(1), '100'),
      { eventName: 'INSERT', dynamodb: { SequenceNumber: '101', NewImage: { pk: { S: 'TENANT#x' }, sk: { S: 'USER#u' } } } },
      { eventName: 'REMOVE', dynamodb: { SequenceNumber: '102' } },
      insertOf(eventN(2), '103'),
    ];
    const [a, b] = [new CollectingSink(), new CollectingSink()];
    const result = await forwardStreamRecords(records, [a, b]);
    expect(result).toEqual({ delivered: 2, lastSequenceNumber: '103' });
    expect(a.events.map((event) => event.resource.version)).toEqual([1, 2]);
    expect(b.events).toEqual(a.events);
  });

  it('a failing sink fails the batch, naming its first record, and the sinks after it get nothing', async () => {
    const after = new CollectingSink();
    const failing = { name: 'down', deliver: async () => Promise.reject(new Error('503')) };
    const error = await forwardStreamRecords([insertOf(eventN(1), '200'), insertOf(eventN(2), '201')], [failing, after]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EventDeliveryError);
    expect(error).toMatchObject({ sink: 'down', firstFailedSequenceNumber: '200' });
    expect(after.events).toEqual([]);
  });
});

describe('the EventBridge sink', () => {
  const fakeBus = (failFirstEntryOfCall?: number) => {
    const calls: PutEventsCommand['input'][] = [];
    return {
      calls,
      client: {
        send: async (command: PutEventsCommand) => {
          calls.push(command.input);
          const failed = calls.length === failFirstEntryOfCall;
          return { FailedEntryCount: failed ? 1 : 0, Entries: command.input.Entries!.map((_, i) => (failed && i === 0 ? { ErrorCode: 'ThrottlingException' } : { EventId: 'x' })) };
        },
      },
    };
  };

  it('puts 10 entries per call, in order, as Source natoma-sso, DetailType = type, Detail = the event', async () => {
    const bus = fakeBus();
    const events = Array.from({ length: 23 }, (_, i) => eventN(i + 1));
    await eventBusSink(bus.client as never, 'natoma-dev').deliver(events);
    expect(bus.calls.map((call) => call.Entries!.length)).toEqual([10, 10, 3]);
    const entries = bus.calls.flatMap((call) => call.Entries!);
    expect(entries[0]).toMatchObject({ EventBusName: 'natoma-dev', Source: 'natoma-sso', DetailType: 'group.members.added' });
    expect(entries.map((entry) => (JSON.parse(entry.Detail!) as DirectoryEvent).id)).toEqual(events.map((event) => event.id));
  });

  it('a partly failed PutEvents fails the delivery', async () => {
    const bus = fakeBus(2);
    await expect(eventBusSink(bus.client as never, 'natoma-dev').deliver(Array.from({ length: 15 }, (_, i) => eventN(i + 1)))).rejects.toThrow(/1 of 5 entries \(ThrottlingException\)/);
  });
});

describe('the stream Lambda handler', () => {
  const logs: string[] = [];
  const logger = new Logger({ service: 'events' }, 'info', (line) => logs.push(line));
  const streamEvent = (records: OutboxStreamRecord[]) => ({ Records: records }) as never;

  it('reports no failure when every sink took the batch', async () => {
    const sink = new CollectingSink();
    expect(await createStreamHandler([sink], logger)(streamEvent([insertOf(eventN(1), '300')]))).toEqual({ batchItemFailures: [] });
    expect(sink.events).toHaveLength(1);
  });

  it('reports the batch’s first record when a sink fails, so the mapping retries from it; no event content reaches the log', async () => {
    const failing = { name: 'bus', deliver: async () => Promise.reject(new Error('PutEvents failed')) };
    const event = eventN(2);
    const result = await createStreamHandler([failing], logger)(streamEvent([insertOf(event, '400'), insertOf(eventN(3), '401')]));
    expect(result).toEqual({ batchItemFailures: [{ itemIdentifier: '400' }] });
    expect(logs.join('\n')).not.toContain(event.id);
  });
});
