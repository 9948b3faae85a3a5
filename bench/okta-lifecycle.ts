import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DeleteTableCommand } from '@aws-sdk/client-dynamodb';
import { BatchWriteCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { createDocumentClient } from '../lambdas/adapters/dynamodb/client';
import { createDynamoAdapters } from '../lambdas/adapters/dynamodb/index';
import { items } from '../lambdas/adapters/dynamodb/items';
import { keys } from '../lambdas/adapters/dynamodb/keys';
import type { User } from '../lambdas/core/identity/user';
import { asGroupId, asTenantId, asUserId, newResourceId, type GroupId, type TenantId, type UserId } from '../lambdas/core/ids';
import { operatorCall } from '../local/cli-commands';
import { Logger } from '../lambdas/http/logger';
import { runMaintenance, SAFETY_MARGIN_MS } from '../lambdas/maintenance/run';
import { localTransport } from '../local/operator-client';
import { startTwin } from '../local/twin';
import { countingClient, type CountingClient } from '../test/support/counting-client';

export interface OktaBenchOptions {
  /** Members of the large group (OKTA_BENCH_MEMBERS). @default 100000 */
  readonly members?: number;
  /** Users and groups of the import. @default 1000 and 20 */
  readonly importUsers?: number;
  readonly importGroups?: number;
  /** Create-then-push sequences of step 1 (each must pass). @default 5 */
  readonly pushRounds?: number;
  readonly replicationLagMs?: number;
  readonly containers?: number;
  /**
   * OKTA_BENCH_FIDELITY=friendly runs the same steps on the friendly twin (one container, no lag, no
   * timeout): how long each step takes without the faithful mode's limits and bookkeeping. @default 'aws'
   */
  readonly fidelity?: 'aws' | 'friendly';
}

const USER_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:User';
const GROUP_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:Group';
const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
/** What Okta's SCIM client sends on every request (FIELD-NOTES: Content-Type even on GETs). */
const OKTA_HEADERS = { 'user-agent': 'Okta SCIM Client 1.0.0', accept: 'application/scim+json', 'content-type': 'application/scim+json' };
/** The maintenance Lambda's timeout at the default 5-minute rate (lib/constructs/storage-maintenance.ts: timeout = rate). */
const MAINTENANCE_TIMEOUT_MS = 5 * 60_000;

interface Row {
  step: string;
  request: string;
  status: number;
  expected: number[];
  ok: boolean;
  ms: number;
  itemsRead: number;
  readUnits: number;
  dynamoCalls: number;
}

type Json = Record<string, unknown>;
const round1 = (value: number) => Math.round(value * 10) / 10;

/**
 * Okta's SCIM lifecycle end to end over real HTTP against a twin in the faithful mode (replication lag,
 * several containers, API Gateway's and Lambda's limits) on the bench's DynamoDB Local. The tenant is
 * made through the operator API over HTTP, as local/demo.ts does. Items read are counted by a
 * countingClient wrapped around the client every surface uses (startTwin's `wrapDb`, outside the
 * lag wrapper, so the wrapper's own bookkeeping reads are not counted). Bulk data (the import's users
 * and memberships, the large group's members) is seeded by BatchWrite with a separate client, not
 * over HTTP: such writes are visible at once, as if made long before.
 */
export async function benchOktaLifecycle(endpoint: string, options: OktaBenchOptions = {}): Promise<Json> {
  const members = options.members ?? Number(process.env.OKTA_BENCH_MEMBERS ?? 100_000);
  if (!Number.isInteger(members) || members < 10) throw new Error(`OKTA_BENCH_MEMBERS must be a whole number of at least 10, got "${process.env.OKTA_BENCH_MEMBERS}"`);
  const importUsers = options.importUsers ?? 1000;
  const importGroups = options.importGroups ?? 20;
  const pushRounds = options.pushRounds ?? 5;
  const lagMs = options.replicationLagMs ?? 1000;
  const containers = options.containers ?? 3;
  const fidelity = options.fidelity ?? (process.env.OKTA_BENCH_FIDELITY === 'friendly' ? 'friendly' : 'aws');

  const tableName = `bench-okta-${randomUUID()}`;
  const dataDir = await mkdtemp(join(tmpdir(), 'bench-okta-'));
  let counting: CountingClient | undefined;
  const handlerErrors: string[] = [];
  const twin = await startTwin({
    dataDir,
    port: 0,
    adminPort: 0,
    dynamoEndpoint: endpoint,
    tableName,
    logLevel: 'error',
    logSink: (line) => {
      if (!line.startsWith('{"level":"info"')) handlerErrors.push(line.slice(0, 300));
    },
    fidelity: fidelity === 'aws' ? { mode: 'aws', replicationLagMs: lagMs, containers } : 'friendly',
    wrapDb: (db: DynamoDBDocumentClient) => (counting = countingClient(db)).db,
  });
  const seedDb = createDocumentClient({ endpoint });
  const seedAdapters = createDynamoAdapters({ db: seedDb, tableName });
  const rows: Row[] = [];
  try {
    const call = operatorCall(localTransport(twin.adminUrl, twin.operatorKey));
    const tenant = await call({ method: 'POST', path: '/operator/tenants', body: { name: 'Okta bench', domains: [`okta-${randomUUID().slice(0, 8)}.example.com`], plan: 'paid' } });
    const tenantId = asTenantId(String(tenant.tenantId));
    const enabled = await call({ method: 'POST', path: `/operator/tenants/${tenantId}/scim/enable` });
    const baseUrl = String(enabled.baseUrl ?? `${twin.apiUrl}/scim/v2/${tenantId}`);
    const { token } = (await call({ method: 'POST', path: `/operator/tenants/${tenantId}/scim/tokens` })) as { token: string };

    const okta = async (method: string, path: string, body?: unknown): Promise<{ status: number; json: Json; bytes: number }> => {
      const response = await fetch(`${baseUrl}${path}`, {
        method,
        headers: { ...OKTA_HEADERS, authorization: `Bearer ${token}` },
        ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
      });
      const text = await response.text();
      let json: Json = {};
      try {
        json = text ? (JSON.parse(text) as Json) : {};
      } catch {
        json = { raw: text.slice(0, 200) };
      }
      return { status: response.status, json, bytes: Buffer.byteLength(text) };
    };
    /** One timed request, its DynamoDB reads counted; a row of the table. */
    const step = async (name: string, method: string, path: string, expected: number[], body?: unknown) => {
      const started = process.hrtime.bigint();
      const { result, counts } = await counting!.measure(() => okta(method, path, body));
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      const label = `${method} ${path.replace(/[0-9a-f]{8}-[0-9a-f-]{27}/g, '{id}').replace(/%22.*?%22/g, '%22…%22').slice(0, 90)}`;
      const row = { step: name, request: label, status: result.status, expected, ok: expected.includes(result.status), ms: round1(ms), itemsRead: counts.itemsRead, readUnits: counts.readUnits, dynamoCalls: counts.total };
      rows.push(row);
      return { ...result, row };
    };

    // Step 1: Okta's create (existence check, POST) then its group push: POST /Groups and at once the PATCH add.
    const pushFailures: string[] = [];
    for (let round = 0; round < pushRounds; round++) {
      const tag = round === 0 ? '' : ` (round ${round + 1})`;
      const userName = `okta.push.${round}.${randomUUID().slice(0, 6)}@example.com`;
      const lookup = await step(`1a user lookup${tag}`, 'GET', `/Users?filter=${encodeURIComponent(`userName eq "${userName}"`)}&startIndex=1&count=100`, [200]);
      const user = await step(`1b create user${tag}`, 'POST', '/Users', [201], oktaUser(userName, round));
      const group = await step(`1c create group${tag}`, 'POST', '/Groups', [201], { schemas: [GROUP_SCHEMA], displayName: `Okta push ${round}`, members: [] });
      const add = await step(`1d PATCH add member${tag}`, 'PATCH', `/Groups/${String(group.json.id)}`, [204, 200], {
        schemas: [PATCH_OP],
        Operations: [{ op: 'add', path: 'members', value: [{ value: user.json.id, display: userName }] }],
      });
      const check = await step(`1e plain GET group${tag}`, 'GET', `/Groups/${String(group.json.id)}`, [200]);
      const seen = ((check.json.members ?? []) as { value: string }[]).some((m) => m.value === user.json.id);
      for (const r of [lookup, user, group, add, check]) if (!r.row.ok) pushFailures.push(`${r.row.step}: ${r.status} ${JSON.stringify(r.json).slice(0, 200)}`);
      if (!seen) pushFailures.push(`round ${round + 1}: the pushed member is not in the group's plain GET`);
      // Only the first round goes in the table; the others are checked.
      if (round > 0) rows.splice(rows.length - 5, 5);
    }

    // Step 2: Okta's import of users and groups (pages of 100) with memberships seeded directly.
    const groupIds: GroupId[] = [];
    for (let g = 0; g < importGroups; g++) {
      const created = await okta('POST', '/Groups', { schemas: [GROUP_SCHEMA], displayName: `Import group ${g}`, members: [] });
      if (created.status !== 201) throw new Error(`seeding: POST /Groups answered ${created.status}`);
      groupIds.push(asGroupId(String(created.json.id)));
    }
    let seedStarted = Date.now();
    const imported = await seedUsers(seedDb, tableName, tenantId, importUsers, 'import');
    const expectedMembers = new Map<string, Set<string>>(groupIds.map((id) => [id, new Set()]));
    for (const [i, user] of imported.entries()) {
      for (const g of new Set([i % importGroups, (i * 7 + 3) % importGroups])) expectedMembers.get(groupIds[g]!)!.add(user.id);
    }
    for (const [groupId, ids] of expectedMembers) await seedAdapters.groups.addMembers(tenantId, asGroupId(groupId), [...ids].map(asUserId));
    const importSeedMs = Date.now() - seedStarted;

    const walk = async (resource: 'Users' | 'Groups') => {
      const started = Date.now();
      const { result, counts } = await counting!.measure(async () => {
        const resources: Json[] = [];
        const statuses = new Set<number>();
        let total = Infinity;
        let pages = 0;
        for (let start = 1; start <= total; start += 100) {
          const page = await okta('GET', `/${resource}?startIndex=${start}&count=100`);
          statuses.add(page.status);
          pages++;
          if (page.status !== 200) break;
          total = page.json.totalResults as number;
          resources.push(...(page.json.Resources as Json[]));
        }
        return { resources, statuses: [...statuses], pages, total };
      });
      const ok = result.statuses.length === 1 && result.statuses[0] === 200 && result.resources.length === result.total;
      rows.push({ step: `2 import ${resource}`, request: `GET /${resource}?startIndex=1..&count=100 (${result.pages} pages, ${result.resources.length} resources)`, status: result.statuses.find((s) => s !== 200) ?? 200, expected: [200], ok, ms: Date.now() - started, itemsRead: counts.itemsRead, readUnits: counts.readUnits, dynamoCalls: counts.total });
      return result;
    };
    const users = await walk('Users');
    const groups = await walk('Groups');
    const membershipMismatches = groupIds.filter((id) => {
      const listed = groups.resources.find((g) => g.id === id)?.members as { value: string }[] | undefined;
      const want = expectedMembers.get(id)!;
      return !listed || listed.length !== want.size || !listed.every((m) => want.has(m.value));
    });
    const importCheck = {
      usersSeeded: importUsers,
      usersImported: users.resources.length,
      groupsImported: groups.resources.length,
      membershipsSeeded: [...expectedMembers.values()].reduce((sum, set) => sum + set.size, 0),
      groupsWithAllMembersSeen: groupIds.length - membershipMismatches.length,
      membershipsSeenByImport: membershipMismatches.length === 0,
      seedMs: importSeedMs,
    };

    // Step 3: a group of `members` members: Okta's existence check, an add, a remove, a full push at maxPayloadSize.
    const big = await okta('POST', '/Groups', { schemas: [GROUP_SCHEMA], displayName: `Everyone (${members})`, members: [] });
    if (big.status !== 201) throw new Error(`seeding: POST /Groups answered ${big.status}`);
    const bigId = asGroupId(String(big.json.id));
    seedStarted = Date.now();
    const bigMembers = await seedUsers(seedDb, tableName, tenantId, members + 1, 'member', false);
    const outsider = bigMembers.pop()!;
    await batchPut(seedDb, tableName, bigMembers.flatMap((u) => [items.membership.encode(tenantId, bigId, u.id), items.userGroup.encode(tenantId, bigId, u.id)]));
    await seedDb.send(new UpdateCommand({ TableName: tableName, Key: keys.group(tenantId, bigId), UpdateExpression: 'ADD memberCount :n, #version :one', ExpressionAttributeNames: { '#version': 'version' }, ExpressionAttributeValues: { ':n': members, ':one': 1 } }));
    const bigSeedMs = Date.now() - seedStarted;
    const spc = await okta('GET', '/ServiceProviderConfig');
    const maxPayloadSize = Number((spc.json.bulk as { maxPayloadSize?: number } | undefined)?.maxPayloadSize);
    if (!Number.isInteger(maxPayloadSize) || maxPayloadSize <= 0) throw new Error(`/ServiceProviderConfig declares no bulk.maxPayloadSize: ${JSON.stringify(spc.json).slice(0, 200)}`);

    const plain = await step('3a plain GET large group', 'GET', `/Groups/${bigId}`, [200]);
    await step('3b PATCH add 1 member', 'PATCH', `/Groups/${bigId}`, [204, 200], { schemas: [PATCH_OP], Operations: [{ op: 'add', path: 'members', value: [{ value: outsider.id, display: outsider.userName }] }] });
    const removed = bigMembers[members - 1]!;
    await step('3c PATCH remove members[value eq]', 'PATCH', `/Groups/${bigId}`, [204, 200], { schemas: [PATCH_OP], Operations: [{ op: 'remove', path: `members[value eq "${removed.id}"]` }] });
    const { body: replaceBody, kept } = fullPushAtMost(maxPayloadSize, [outsider, ...bigMembers.slice(0, members - 1)]);
    const replace = await step(`3d PATCH replace members (${kept} entries, ${Buffer.byteLength(replaceBody)} B)`, 'PATCH', `/Groups/${bigId}`, [204, 200], replaceBody);
    // A replace past the inline budget is finished by the maintenance run (every 5 min, 5 min timeout less its
    // safety margin): run it back to back, as the schedule would, until the group reaches its final state.
    const waitStarted = Date.now();
    const countAfterAnswer = (await seedAdapters.groups.get(tenantId, bigId))?.memberCount;
    let finalCount = countAfterAnswer;
    let maintenanceRuns = 0;
    let maintenanceMs = 0;
    while (finalCount !== kept && Date.now() - waitStarted < 1_200_000) {
      const runStarted = Date.now();
      const report = await runMaintenance(
        { purgePendingGroupMemberships: (max) => seedAdapters.purgePendingGroupMemberships(max), logger: new Logger({ service: 'maintenance' }, 'error', () => {}) },
        { remainingMs: () => MAINTENANCE_TIMEOUT_MS - SAFETY_MARGIN_MS - (Date.now() - runStarted) },
      );
      maintenanceRuns++;
      maintenanceMs += Date.now() - runStarted;
      finalCount = (await seedAdapters.groups.get(tenantId, bigId))?.memberCount;
      if (!report.morePending && finalCount !== kept) await new Promise((resolve) => setTimeout(resolve, 2000));
    }
    const spotCheck = await seedAdapters.groups.membersAmong(tenantId, bigId, [outsider.id, removed.id, bigMembers[0]!.id, bigMembers[members - 2]!.id]);
    const large = {
      members,
      seededByBatchWrite: `${members + 1} users (user items, no userName guards) + ${members} memberships (membership and user-side items), then the group's memberCount`,
      seedMs: bigSeedMs,
      plainGet: { status: plain.status, membersInline: Array.isArray(plain.json.members) ? (plain.json.members as unknown[]).length : 'omitted', bytes: plain.bytes },
      maxPayloadSize,
      replace: {
        entries: kept,
        bodyBytes: Buffer.byteLength(replaceBody),
        entryShape: '{"value":"<id>","display":"<userName>"}',
        membersRemovedByIt: members - kept,
        status: replace.status,
        answer: replace.status >= 300 ? JSON.stringify(replace.json).slice(0, 200) : undefined,
        memberCountRightAfterAnswer: countAfterAnswer,
        maintenanceRunsToFinish: maintenanceRuns,
        maintenanceMs,
        finalMemberCount: finalCount,
        finalStateReachedAfterAnswerMs: finalCount === kept ? Date.now() - waitStarted : `not within ${Date.now() - waitStarted} ms`,
        spotCheckMembers: { outsiderAdded: spotCheck.includes(outsider.id), removedStaysOut: !spotCheck.includes(removed.id), firstKept: spotCheck.includes(bigMembers[0]!.id), lastDropped: kept < members ? !spotCheck.includes(bigMembers[members - 2]!.id) : 'n/a' },
      },
    };

    const table = rows.map((r) => `${r.ok ? 'ok  ' : 'FAIL'} ${r.step.padEnd(58)} ${String(r.status).padStart(3)} ${String(r.ms).padStart(9)} ms ${String(r.itemsRead).padStart(7)} items read`);
    process.stderr.write(['okta lifecycle (step, status, wall ms, DynamoDB items read):', ...table, ''].join('\n'));
    return {
      twin: { fidelity, ...(fidelity === 'aws' ? { replicationLagMs: lagMs, containers } : { containers: 1 }), dynamo: 'bench DynamoDB Local', tenant: 'paid plan, SCIM on, token: operator API over HTTP' },
      itemsReadCountedBy: 'countingClient around the twin\'s document client (startTwin wrapDb), outside the replication-lag wrapper: items DynamoDB returned to the handlers; readUnits from ReturnConsumedCapacity',
      steps: rows,
      checks: {
        everyStepAsOktaExpects: rows.every((r) => r.ok) && pushFailures.length === 0 && importCheck.membershipsSeenByImport,
        pushRounds,
        pushFailures,
        import: importCheck,
      },
      large,
      handlerErrorLines: handlerErrors.slice(0, 10),
    };
  } finally {
    await twin.stop();
    await seedDb.send(new DeleteTableCommand({ TableName: tableName })).catch(() => undefined);
    await rm(dataDir, { recursive: true, force: true });
  }
}

/** The user body Okta's create sends (FIELD-NOTES: groups [], a placeholder password). */
function oktaUser(userName: string, n: number): Json {
  return {
    schemas: [USER_SCHEMA],
    userName,
    name: { givenName: 'Okta', familyName: `Push${n}` },
    emails: [{ primary: true, value: userName, type: 'work' }],
    displayName: `Okta Push${n}`,
    locale: 'en-US',
    externalId: `00u${randomUUID().replace(/-/g, '').slice(0, 17)}`,
    groups: [],
    password: 'placeholder-Password1',
    active: true,
  };
}

/** Okta's full push of `candidates` in order, as many `{value, display}` entries as fit in `maxBytes`. */
function fullPushAtMost(maxBytes: number, candidates: Pick<User, 'id' | 'userName'>[]): { body: string; kept: number } {
  const envelope = (value: string) => `{"schemas":["${PATCH_OP}"],"Operations":[{"op":"replace","path":"members","value":[${value}]}]}`;
  let size = Buffer.byteLength(envelope(''));
  const entries: string[] = [];
  for (const user of candidates) {
    const entry = JSON.stringify({ value: user.id, display: user.userName });
    const added = Buffer.byteLength(entry) + (entries.length > 0 ? 1 : 0);
    if (size + added > maxBytes) break;
    entries.push(entry);
    size += added;
  }
  return { body: envelope(entries.join(',')), kept: entries.length };
}

/** Users written straight to the table, then the tenant's user counter once. */
async function seedUsers(db: DynamoDBDocumentClient, tableName: string, tenantId: TenantId, n: number, label: string, guards = true): Promise<User[]> {
  const now = new Date().toISOString();
  const users: User[] = Array.from({ length: n }, (_, i) => {
    const id: UserId = asUserId(newResourceId());
    const userName = `${label}.${String(i).padStart(6, '0')}@okta-bench.example.com`;
    return { tenantId, id, userName, active: true, emails: [{ value: userName, primary: true, type: 'work' }], name: { givenName: label, familyName: String(i) }, profile: {}, source: 'scim', isAdmin: false, createdAt: now, updatedAt: now, version: 1 };
  });
  await batchPut(db, tableName, users.flatMap((user) => (guards ? [items.user.encode(user), items.userNameGuard.encode(user)] : [items.user.encode(user)])));
  await db.send(new UpdateCommand({ TableName: tableName, Key: keys.counters(tenantId), UpdateExpression: 'ADD #users :n SET entity = :entity', ExpressionAttributeNames: { '#users': 'users' }, ExpressionAttributeValues: { ':n': n, ':entity': 'Counters' } }));
  return users;
}

/** BatchWrite of 25 items, 16 batches at a time, unprocessed items retried. */
async function batchPut(db: DynamoDBDocumentClient, tableName: string, all: Record<string, unknown>[]): Promise<void> {
  const batches: Record<string, unknown>[][] = [];
  for (let i = 0; i < all.length; i += 25) batches.push(all.slice(i, i + 25));
  let next = 0;
  const worker = async () => {
    while (next < batches.length) {
      let pending: Record<string, unknown> | undefined = { [tableName]: batches[next++]!.map((Item) => ({ PutRequest: { Item } })) };
      while (pending && Object.keys(pending).length > 0) {
        const result: { UnprocessedItems?: Record<string, unknown> } = await db.send(new BatchWriteCommand({ RequestItems: pending as never }));
        pending = result.UnprocessedItems;
      }
    }
  };
  await Promise.all(Array.from({ length: 16 }, worker));
}
