import { randomUUID } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createDynamoAdapters } from '../../lambdas/adapters/dynamodb/index';
import type { DirectoryEvent } from '../../lambdas/core/events/directory-event';
import type { EventSink } from '../../lambdas/core/events/ports';
import { asTenantId, asUserId, type TenantId } from '../../lambdas/core/ids';
import type { User } from '../../lambdas/core/identity/user';
import { OPERATOR_KEY_HEADER } from '../../local/operator-key';
import { startTwin, type RunningTwin } from '../../local/twin';
import { createTestTable, type TestTable } from '../support/dynamo';
import { readTableEvents } from './support';

const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';

/** The app's webhook: answers 503 while `down`, records what it took (and the key it was sent). */
class Webhook {
  down = true;
  readonly received: DirectoryEvent[] = [];
  readonly keys = new Set<string>();
  refused = 0;
  private readonly server: Server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString()));
    request.on('end', () => {
      if (this.down) {
        this.refused++;
        response.writeHead(503).end();
        return;
      }
      this.keys.add(String(request.headers['x-api-key']));
      this.received.push(JSON.parse(body) as DirectoryEvent);
      response.writeHead(204).end();
    });
  });
  async start(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/events`;
  }
  stop(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

const until = async (predicate: () => boolean | Promise<boolean>, timeoutMs = 20_000): Promise<void> => {
  const deadline = Date.now() + timeoutMs;
  while (!(await predicate())) {
    if (Date.now() > deadline) throw new Error(`condition not met in ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
};

/** First delivery of each event id, in arrival order (delivery is at least once: a retry may repeat one). */
const firstDeliveries = (events: readonly DirectoryEvent[]): DirectoryEvent[] => [...new Map(events.map((event) => [event.id, event])).values()];

describe('the twin delivers to the webhook: down, then back', () => {
  let twin: RunningTwin;
  let webhook: Webhook;
  let dataDir: string;

  beforeAll(async () => {
    webhook = new Webhook();
    const url = await webhook.start();
    dataDir = await mkdtemp(join(tmpdir(), 'natoma-events-twin-'));
    twin = await startTwin({ dataDir, port: 0, adminPort: 0, dynamoEndpoint: inject('dynamoEndpoint'), tableName: `events-${randomUUID()}`, logLevel: 'error', logSink: () => {}, eventsWebhookUrl: url, eventsWebhookKey: 'app-key-1' });
  });
  afterAll(async () => {
    await twin?.stop();
    await webhook.stop();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('every event arrives once the webhook is back, in version order per resource, and events.ndjson has each once', async () => {
    const operator = async (path: string, body?: unknown) =>
      (await fetch(`${twin.adminUrl}/operator/tenants${path}`, { method: 'POST', headers: { 'content-type': 'application/json', [OPERATOR_KEY_HEADER]: twin.operatorKey }, body: JSON.stringify(body ?? {}) })).json() as Promise<Record<string, unknown>>;
    const tenantId = String((await operator('', { name: 'Events', domains: ['events.test'] })).tenantId);
    await operator(`/${tenantId}/scim/enable`);
    const token = String((await operator(`/${tenantId}/scim/tokens`)).token);
    const scim = (method: string, path: string, body: unknown) =>
      fetch(`${twin.apiUrl}/scim/v2/${tenantId}${path}`, { method, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/scim+json' }, body: JSON.stringify(body) }).then((r) => r.json() as Promise<{ id: string }>);

    // While the webhook is down: 3 users, each changed twice (9 events, plus the token's).
    const ids: string[] = [];
    for (const name of ['a', 'b', 'c']) ids.push((await scim('POST', '/Users', { schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'], userName: `${name}@events.test`, active: true })).id);
    for (const round of [1, 2]) for (const id of ids) await scim('PATCH', `/Users/${id}`, { schemas: [PATCH_OP], Operations: [{ op: 'replace', path: 'displayName', value: `Name ${round}` }] });
    await until(() => webhook.refused >= 3);
    expect(webhook.received).toEqual([]);

    webhook.down = false;
    await until(() => firstDeliveries(webhook.received).filter((event) => event.tenantId === tenantId).length >= 10);
    const delivered = firstDeliveries(webhook.received).filter((event) => event.tenantId === tenantId);
    expect(delivered.map((event) => event.type).sort()).toEqual(['scim_token.created', ...Array(3).fill('user.created'), ...Array(6).fill('user.updated')]);
    for (const id of ids) expect(delivered.filter((event) => event.resource.id === id).map((event) => event.resource.version), `user ${id}`).toEqual([1, 2, 3]);
    expect([...webhook.keys]).toEqual(['app-key-1']);

    const lines = (await readFile(join(dataDir, 'events.ndjson'), 'utf8')).trim().split('\n').map((line) => JSON.parse(line) as DirectoryEvent);
    const ofTenant = lines.filter((event) => event.tenantId === tenantId);
    expect(ofTenant.map((event) => event.id).sort(), 'the file has each event exactly once: a webhook retry does not repeat it there').toEqual(delivered.map((event) => event.id).sort());
  });
});

describe('a crash between the change and the forwarding loses nothing', () => {
  let table: TestTable;
  let dataDir: string;
  const tenantId: TenantId = asTenantId('t00000crashes');
  beforeAll(async () => {
    table = await createTestTable({ stream: true });
    dataDir = await mkdtemp(join(tmpdir(), 'natoma-events-crash-'));
  });
  afterAll(async () => {
    await table.drop();
    await rm(dataDir, { recursive: true, force: true });
  });

  const newUser = (name: string): User => {
    const now = new Date().toISOString();
    return { tenantId, id: asUserId(randomUUID()), userName: `${name}@crash.test`, active: true, emails: [], profile: {}, source: 'scim', isAdmin: false, createdAt: now, updatedAt: now, version: 1 };
  };

  it('changes made while the reader is down, and a batch cut short mid-delivery, all arrive after a restart with the same DATA_DIR', async () => {
    const adapters = createDynamoAdapters({ db: table.db, tableName: table.tableName });
    const first = await readTableEvents(table.endpoint, table.tableName, { dataDir });
    const a = newUser('a');
    await adapters.users.create(a);
    await first.sink.waitFor((events) => events.length === 1);
    await first.stream.stop();

    // Down: nothing forwards these.
    const later = [newUser('b'), newUser('c'), newUser('d')];
    for (const user of later) await adapters.users.create(user);

    // A reader that "crashes" mid-batch: its sink takes part of the batch, then fails; it is stopped before any retry succeeds.
    const partial: DirectoryEvent[] = [];
    const crashing: EventSink = {
      name: 'crashing',
      async deliver(events) {
        partial.push(events[0]!);
        throw new Error('the process died here');
      },
    };
    const crashed = await readTableEvents(table.endpoint, table.tableName, { dataDir, sinks: [crashing] });
    await until(() => partial.length >= 1);
    await crashed.stream.stop();
    expect(crashed.sink.events, 'the batch never completed').toEqual([]);

    const restarted = await readTableEvents(table.endpoint, table.tableName, { dataDir });
    const events = await restarted.sink.waitFor((got) => got.length >= 3);
    await new Promise((resolve) => setTimeout(resolve, 400));
    await restarted.stream.stop();
    expect(restarted.sink.events.map((event) => event.resource.id), 'resumes after the checkpoint: the first user is not sent again').toEqual(later.map((user) => user.id));
    expect(events.every((event) => event.type === 'user.created')).toBe(true);
  });
});
