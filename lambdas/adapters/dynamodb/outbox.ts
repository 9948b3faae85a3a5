import { epochSeconds } from '../../core/clock';
import type { DirectoryEvent } from '../../core/events/directory-event';
import { DirectoryEvents } from '../../core/events/build';
import type { Item } from './items';
import type { DynamoContext, TransactItem } from './operations';

/**
 * The outbox: each directory event is an item written in the same TransactWriteItems as the change it
 * describes; the table's stream carries its INSERT to the forwarder (lambdas/events/forwarder.ts). No
 * application code reads these items. One partition per resource, sorted by version: the stream keeps
 * a partition key's records in order, so a resource's events normally arrive in version order too.
 */
export const OUTBOX_PREFIX = 'OUTBOX#';
export const OUTBOX_ENTITY = 'Outbox';
/** Long enough for the stream (24 h retention) to have carried it; TTL deletion is a REMOVE the forwarder ignores. */
export const OUTBOX_TTL_SEC = 24 * 60 * 60;

const enc = (value: string): string => encodeURIComponent(value);

export function outboxItem(event: DirectoryEvent, now: Date): Item {
  return {
    pk: `${OUTBOX_PREFIX}${enc(event.tenantId)}#${event.resource.type}#${enc(event.resource.id)}`,
    sk: `${String(event.resource.version).padStart(12, '0')}#${event.id}`,
    entity: OUTBOX_ENTITY,
    event: JSON.stringify(event),
    expiresAt: epochSeconds(now) + OUTBOX_TTL_SEC,
  };
}

/** The transaction items that add `events` to a write (unconditional: the change's own conditions decide). */
export function outboxPuts(ctx: DynamoContext, events: readonly (DirectoryEvent | undefined)[]): TransactItem[] {
  const now = ctx.clock.now();
  return events.flatMap((event) => (event ? [{ Put: { TableName: ctx.tableName, Item: outboxItem(event, now) } }] : []));
}

/** The event builders an adapter calls for the writes it derives events from (identity, sessions). */
export const eventsOf = (ctx: DynamoContext): DirectoryEvents => new DirectoryEvents(ctx.clock);
