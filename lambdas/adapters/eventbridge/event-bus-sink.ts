import { PutEventsCommand, type EventBridgeClient, type PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import { DIRECTORY_EVENT_SOURCE, type DirectoryEvent } from '../../core/events/directory-event';
import type { EventSink } from '../../core/events/ports';

/** PutEvents takes at most 10 entries per call. */
const MAX_ENTRIES_PER_CALL = 10;

export const busEntryOf = (busName: string, event: DirectoryEvent): PutEventsRequestEntry => ({
  EventBusName: busName,
  Source: DIRECTORY_EVENT_SOURCE,
  DetailType: event.type,
  Detail: JSON.stringify(event),
  Time: new Date(event.occurredAt),
});

/**
 * Puts directory events on the stage's bus, in order, 10 per call. A call with any failed entry fails the
 * delivery (the stream batch is retried: entries already put arrive twice, which consumers dedupe by id).
 */
export function eventBusSink(client: Pick<EventBridgeClient, 'send'>, busName: string): EventSink {
  return {
    name: `eventbridge:${busName}`,
    async deliver(events) {
      for (let i = 0; i < events.length; i += MAX_ENTRIES_PER_CALL) {
        const entries = events.slice(i, i + MAX_ENTRIES_PER_CALL).map((event) => busEntryOf(busName, event));
        const result = await client.send(new PutEventsCommand({ Entries: entries }));
        if ((result.FailedEntryCount ?? 0) > 0) {
          const codes = [...new Set((result.Entries ?? []).flatMap((entry) => (entry.ErrorCode ? [entry.ErrorCode] : [])))];
          throw new Error(`PutEvents failed for ${result.FailedEntryCount} of ${entries.length} entries (${codes.join(', ')})`);
        }
      }
    },
  };
}
