import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DirectoryEvent } from '../../lambdas/core/events/directory-event';
import type { EventSink } from '../../lambdas/core/events/ports';
import { startEventStream, type RunningEventStream } from '../../local/event-stream';

/** A sink that keeps what it is given, for assertions. */
export class CollectingSink implements EventSink {
  readonly name = 'collect';
  readonly events: DirectoryEvent[] = [];
  async deliver(events: readonly DirectoryEvent[]): Promise<void> {
    this.events.push(...events);
  }

  /** Waits until `predicate` holds over the events received (polling; the reader polls every 100 ms). */
  async waitFor(predicate: (events: DirectoryEvent[]) => boolean, timeoutMs = 15_000): Promise<DirectoryEvent[]> {
    const deadline = Date.now() + timeoutMs;
    while (!predicate(this.events)) {
      if (Date.now() > deadline) throw new Error(`events not received in ${timeoutMs} ms; got ${JSON.stringify(this.events.map((e) => e.type))}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    return this.events;
  }

  ofTenant(tenantId: string): DirectoryEvent[] {
    return this.events.filter((event) => event.tenantId === tenantId);
  }
}

/** The twin's stream reader on a test table, with its own DATA_DIR. */
export async function readTableEvents(
  endpoint: string,
  tableName: string,
  options: { sinks?: EventSink[]; dataDir?: string } = {},
): Promise<{ sink: CollectingSink; stream: RunningEventStream; dataDir: string; cleanup(): Promise<void> }> {
  const dataDir = options.dataDir ?? (await mkdtemp(join(tmpdir(), 'natoma-events-')));
  const sink = new CollectingSink();
  const stream = await startEventStream({ dynamoEndpoint: endpoint, tableName, dataDir, sinks: [...(options.sinks ?? []), sink], pollMs: 50, maxBackoffMs: 200 });
  return {
    sink,
    stream,
    dataDir,
    async cleanup() {
      await stream.stop();
      if (!options.dataDir) await rm(dataDir, { recursive: true, force: true });
    },
  };
}
