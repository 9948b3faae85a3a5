import { DIRECTORY_EVENT_TYPES, type DirectoryEvent } from '../core/events/directory-event';
import type { EventSink } from '../core/events/ports';

/**
 * The part of a DynamoDB stream record the forwarder reads (the Lambda event's and the Streams API's
 * records both fit): AttributeValue images, untouched by any SDK.
 */
export interface OutboxStreamRecord {
  readonly eventName?: string;
  readonly dynamodb?: {
    readonly SequenceNumber?: string;
    readonly NewImage?: Readonly<Record<string, { readonly S?: string } | undefined>>;
  };
}

/** The outbox item's marks (adapters/dynamodb/outbox.ts; repeated here so the forwarder imports no adapter). */
const OUTBOX_PK_PREFIX = 'OUTBOX#';
const OUTBOX_ENTITY = 'Outbox';

/** A sink refused a batch: nothing after `firstFailedSequenceNumber` counts as delivered. */
export class EventDeliveryError extends Error {
  constructor(
    readonly sink: string,
    readonly firstFailedSequenceNumber: string | undefined,
    options?: ErrorOptions,
  ) {
    super(`event sink ${sink} failed; the batch is retried from record ${firstFailedSequenceNumber ?? '(first)'}`, options);
  }
}

/** A record that is not an outbox INSERT (a MODIFY, a TTL REMOVE, any other item) is no event. */
export function eventOfRecord(record: OutboxStreamRecord): DirectoryEvent | undefined {
  if (record.eventName !== 'INSERT') return undefined;
  const image = record.dynamodb?.NewImage;
  if (!image?.pk?.S?.startsWith(OUTBOX_PK_PREFIX) || image.entity?.S !== OUTBOX_ENTITY || image.event?.S === undefined) return undefined;
  const event = JSON.parse(image.event.S) as DirectoryEvent;
  // Written only by our adapters; a shape we do not know is a bug to see, not an event to pass on.
  if (typeof event.id !== 'string' || !(DIRECTORY_EVENT_TYPES as readonly string[]).includes(event.type)) {
    throw new Error(`outbox item ${image.pk.S} holds no directory event`);
  }
  return event;
}

export interface ForwardResult {
  readonly delivered: number;
  /** The sequence number of the last record handled (the twin checkpoints it). */
  readonly lastSequenceNumber?: string;
}

/**
 * Stream records → directory events, in record order → every sink, in turn. A sink that throws stops the
 * batch (EventDeliveryError naming the first record): the caller retries it whole, so a sink may see an
 * event twice (delivery is at least once, consumers deduplicate on `id`) but never misses one or sees them
 * reordered within the batch.
 */
export async function forwardStreamRecords(records: readonly OutboxStreamRecord[], sinks: readonly EventSink[]): Promise<ForwardResult> {
  const events = records.flatMap((record) => eventOfRecord(record) ?? []);
  const firstSequenceNumber = records[0]?.dynamodb?.SequenceNumber;
  if (events.length > 0) {
    for (const sink of sinks) {
      try {
        await sink.deliver(events);
      } catch (error) {
        throw new EventDeliveryError(sink.name, firstSequenceNumber, { cause: error });
      }
    }
  }
  return { delivered: events.length, ...(records.length > 0 ? { lastSequenceNumber: records.at(-1)?.dynamodb?.SequenceNumber } : {}) };
}
