import { createHash, timingSafeEqual } from 'node:crypto';

/** The fields of a natoma-sso directory event this app reads (docs/events.md has them all). */
export interface ReceivedEvent {
  readonly id: string;
  readonly type: string;
  readonly tenantId?: string;
  readonly occurredAt?: string;
  readonly resource?: { readonly type?: string; readonly id?: string; readonly version?: number };
  readonly data?: unknown;
  readonly receivedAt: string;
}

const KEEP_AT_MOST = 500;

/** Compares the `x-api-key` header with the configured key in constant time (hashing first evens the lengths). */
export function apiKeyMatches(given: string | undefined, expected: string | undefined): boolean {
  if (!given || !expected) return false;
  const digest = (value: string) => createHash('sha256').update(value).digest();
  return timingSafeEqual(digest(given), digest(expected));
}

export class EventBodyError extends Error {}

/**
 * The body is one event, an array of events, or an EventBridge envelope (`{ detail: event }`, as an API
 * destination sends it without an input transformer).
 */
export function eventsFromBody(body: unknown): Omit<ReceivedEvent, 'receivedAt'>[] {
  const items = Array.isArray(body) ? body : [body];
  return items.map((item: unknown) => {
    const event = isObject(item) && isObject(item.detail) && typeof item['detail-type'] === 'string' ? item.detail : item;
    if (!isObject(event) || typeof event.id !== 'string' || event.id === '' || typeof event.type !== 'string') {
      throw new EventBodyError('each event needs a string id and type');
    }
    return {
      id: event.id,
      type: event.type,
      tenantId: typeof event.tenantId === 'string' ? event.tenantId : undefined,
      occurredAt: typeof event.occurredAt === 'string' ? event.occurredAt : undefined,
      resource: isObject(event.resource) ? (event.resource as ReceivedEvent['resource']) : undefined,
      data: event.data,
    };
  });
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Received events, newest first. Delivery is at least once, so an id seen before is dropped. */
export class EventLog {
  private readonly events: ReceivedEvent[] = [];
  private readonly seen = new Set<string>();

  /** Returns true when the event is new. */
  add(event: Omit<ReceivedEvent, 'receivedAt'>, receivedAt = new Date()): boolean {
    if (this.seen.has(event.id)) return false;
    this.seen.add(event.id);
    this.events.unshift({ ...event, receivedAt: receivedAt.toISOString() });
    const dropped = this.events.splice(KEEP_AT_MOST);
    for (const old of dropped) this.seen.delete(old.id);
    return true;
  }

  list(): readonly ReceivedEvent[] {
    return this.events;
  }
}
