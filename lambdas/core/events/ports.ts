import type { DirectoryEvent } from './directory-event';

/** Where forwarded directory events go (EventBridge, a webhook, a file, back-channel logout). */
export interface EventSink { readonly name: string; deliver(events: readonly DirectoryEvent[]): Promise<void> }
