import type { DirectoryEvent } from './directory-event';

/** Where forwarded directory events go (EventBridge, a webhook, the OIDC back-channel logout). Throwing retries the batch. */
export interface EventSink {
  readonly name: string;
  deliver(events: readonly DirectoryEvent[]): Promise<void>;
}
