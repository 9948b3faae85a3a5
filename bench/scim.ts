import { randomUUID } from 'node:crypto';
import { DeleteTableCommand } from '@aws-sdk/client-dynamodb';
import { BatchWriteCommand, GetCommand, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { createDocumentClient } from '../lambdas/adapters/dynamodb/client';
import { ensureTable } from '../lambdas/adapters/dynamodb/ensure-table';
import { createDynamoAdapters } from '../lambdas/adapters/dynamodb';
import { items } from '../lambdas/adapters/dynamodb/items';
import { keys, prefixes } from '../lambdas/adapters/dynamodb/keys';
import type { User } from '../lambdas/core/identity/user';
import { asTenantId, asUserId, newResourceId, type TenantId } from '../lambdas/core/ids';
import { createScimToken, enableScim, type ScimTokenDeps } from '../lambdas/core/provisioning/scim-tokens';
import { DEFAULT_SSO_SETTINGS } from '../lambdas/core/tenancy/tenant';
import { Logger } from '../lambdas/http/logger';
import type { HttpEvent } from '../lambdas/http/request';
import { createScimHandler, type ScimHandler } from '../lambdas/scim/app';
import { InMemorySecretStore } from '../test/support/in-memory-secret-store';

export interface ScimBenchOptions {
  /** Rounds of create/get/patch against the bare baselines. */
  readonly rounds?: number;
  /** Users of the first import (the second imports twice as many). */
  readonly importUsers?: number;
  readonly pageSize?: number;
  /** Members of the group built by PATCHes of `patchBatch`. */
  readonly groupMembers?: number;
  readonly patchBatch?: number;
  /** Imports of each size, alternating. */
  readonly importRuns?: number;
}

const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = (sorted.length - 1) / 2;
  return (sorted[Math.floor(mid)]! + sorted[Math.ceil(mid)]!) / 2;
};
const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length;
const round2 = (value: number) => Math.round(value * 100) / 100;
const ms = (start: bigint) => Number(process.hrtime.bigint() - start) / 1e6;

function event(method: string, path: string, token: string, body?: unknown): HttpEvent {
  const [rawPath, rawQuery = ''] = path.split('?') as [string, string | undefined];
  const query = Object.fromEntries(new URLSearchParams(rawQuery));
  return {
    version: '2.0',
    routeKey: 'ANY /scim/v2/{tenantId}/{proxy+}',
    rawPath,
    rawQueryString: rawQuery,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/scim+json', host: 'bench.local' },
    ...(rawQuery ? { queryStringParameters: query } : {}),
    requestContext: { domainName: 'bench.local', requestId: randomUUID(), http: { method, path: rawPath } },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    isBase64Encoded: false,
  } as unknown as HttpEvent;
}

/**
 * SCIM figures on DynamoDB Local, each against a baseline of the same run: create/get/patch through the
 * handler over a bare PutItem/GetItem; a full import's last pages over its first ones and 2N over N; a
 * group grown by PATCHes of 100, last PATCH over first. Users for the imports are seeded by BatchWrite of
 * their items (user + userName guard, then the tenant's counter), not through the handler, to keep the run short.
 */
export async function benchScim(endpoint: string, options: ScimBenchOptions = {}): Promise<Record<string, unknown>> {
  const rounds = options.rounds ?? 100;
  const importUsers = options.importUsers ?? 10_000;
  const pageSize = options.pageSize ?? 100;
  const groupMembers = options.groupMembers ?? 10_000;
  const patchBatch = options.patchBatch ?? 100;
  const importRuns = options.importRuns ?? 2;

  const db = createDocumentClient({ endpoint });
  const tableName = `bench-scim-${randomUUID()}`;
  await ensureTable(db, tableName);
  try {
    const adapters = createDynamoAdapters({ db, tableName });
    const secrets = new InMemorySecretStore();
    const tokenDeps: ScimTokenDeps = { tenants: adapters.tenants, scimTokens: adapters.scimTokens, secrets, activity: adapters.activity, clock: { now: () => new Date() }, secretPrefix: 'bench/scim/' };
    const handler: ScimHandler = createScimHandler({ ...adapters, secrets, secretPrefix: 'bench/scim/', rateLimit: false, logger: new Logger({}, 'error', () => undefined) });

    async function tenant(id: string): Promise<{ tenantId: TenantId; token: string }> {
      const tenantId = asTenantId(id);
      const now = new Date().toISOString();
      await adapters.tenants.create({ id: tenantId, name: id, plan: 'paid', domains: [`${id}.example.com`], sso: DEFAULT_SSO_SETTINGS, scim: { enabled: false }, createdAt: now, updatedAt: now, version: 1 });
      await enableScim(tokenDeps, tenantId);
      return { tenantId, token: (await createScimToken(tokenDeps, tenantId)).token };
    }
    const send = async (method: string, path: string, token: string, body?: unknown) => {
      const result = await handler(event(method, path, token, body));
      if (result.statusCode >= 300) throw new Error(`${method} ${path} answered ${result.statusCode}: ${result.body}`);
      return result.body ? (JSON.parse(result.body) as Record<string, unknown>) : {};
    };

    // 1. Per-operation latency against bare PutItem/GetItem, interleaved round by round.
    const ops = await tenant('tbenchscimop1');
    const base = `/scim/v2/${ops.tenantId}`;
    const times: Record<string, number[]> = { putItem: [], getItem: [], create: [], get: [], patch: [] };
    for (let round = -10; round < rounds; round++) {
      const key = { pk: `BENCH#${randomUUID()}`, sk: 'X' };
      let t = process.hrtime.bigint();
      await db.send(new PutCommand({ TableName: tableName, Item: { ...key, userName: 'x@example.com', profile: { title: 'x' } } }));
      const putItem = ms(t);
      t = process.hrtime.bigint();
      await db.send(new GetCommand({ TableName: tableName, Key: key }));
      const getItem = ms(t);
      t = process.hrtime.bigint();
      const created = await send('POST', `${base}/Users`, ops.token, { schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'], userName: `bench${round + 10}@example.com`, name: { givenName: 'B', familyName: 'U' }, emails: [{ value: `bench${round + 10}@example.com`, primary: true, type: 'work' }], active: true });
      const create = ms(t);
      t = process.hrtime.bigint();
      await send('GET', `${base}/Users/${created.id as string}`, ops.token);
      const get = ms(t);
      t = process.hrtime.bigint();
      await send('PATCH', `${base}/Users/${created.id as string}`, ops.token, { schemas: [PATCH_OP], Operations: [{ op: 'replace', value: { title: 'Bench' } }] });
      const patch = ms(t);
      if (round < 0) continue;
      Object.entries({ putItem, getItem, create, get, patch }).forEach(([name, value]) => times[name]!.push(value));
    }
    const putMedian = median(times.putItem!);
    const getMedian = median(times.getItem!);
    const operations = {
      putItemMedianMs: round2(putMedian),
      getItemMedianMs: round2(getMedian),
      createMedianMs: round2(median(times.create!)),
      createOverPutItem: round2(median(times.create!) / putMedian),
      getMedianMs: round2(median(times.get!)),
      getOverGetItem: round2(median(times.get!) / getMedian),
      patchMedianMs: round2(median(times.patch!)),
      patchOverPutItem: round2(median(times.patch!) / putMedian),
      rounds,
    };

    // 2. Imports of N and 2N users (two tenants), Okta-style: startIndex advancing by count. Runs alternate
    // between the tenants and figures take the per-page minimum over runs, since a shared machine is noisy.
    const imp = await tenant('tbenchscimim1');
    const dbl = await tenant('tbenchscimim2');
    const seed = async (tenantId: TenantId, n: number): Promise<User[]> => {
      const now = new Date().toISOString();
      const batch: User[] = [];
      for (let i = 0; i < n; i++) {
        const id = asUserId(newResourceId());
        batch.push({ tenantId, id, userName: `${id}@import.example.com`, active: true, emails: [{ value: `${id}@import.example.com`, primary: true, type: 'work' }], name: { givenName: 'Import', familyName: String(i) }, profile: { title: 'Seeded' }, source: 'scim', isAdmin: false, createdAt: now, updatedAt: now, version: 1 });
      }
      // Seeding through users.create (a 5-item transaction each) takes minutes for 30,000 users on
      // DynamoDB Local: write the user items and userName guards in batches, then the counter once.
      const writes = batch.flatMap((user) => [items.user.encode(user), items.userNameGuard.encode(user)]);
      const chunks: Record<string, unknown>[][] = [];
      for (let i = 0; i < writes.length; i += 25) chunks.push(writes.slice(i, i + 25));
      for (let i = 0; i < chunks.length; i += 8) {
        await Promise.all(
          chunks.slice(i, i + 8).map(async (chunk) => {
            let pending: unknown = { [tableName]: chunk.map((Item) => ({ PutRequest: { Item } })) };
            while (pending && Object.keys(pending).length > 0) {
              const result = await db.send(new BatchWriteCommand({ RequestItems: pending as never }));
              pending = result.UnprocessedItems;
            }
          }),
        );
      }
      await db.send(new UpdateCommand({ TableName: tableName, Key: keys.counters(tenantId), UpdateExpression: 'ADD #users :n SET entity = :entity', ExpressionAttributeNames: { '#users': 'users' }, ExpressionAttributeValues: { ':n': n, ':entity': 'Counters' } }));
      return batch;
    };
    const runImport = async (target: { tenantId: TenantId; token: string }) => {
      const pageTimes: number[] = [];
      const started = process.hrtime.bigint();
      let total = Infinity;
      for (let start = 1; start <= total; start += pageSize) {
        const t = process.hrtime.bigint();
        const page = await send('GET', `/scim/v2/${target.tenantId}/Users?startIndex=${start}&count=${pageSize}`, target.token);
        pageTimes.push(ms(t));
        total = page.totalResults as number;
      }
      return { totalMs: ms(started), pageTimes };
    };
    let t = process.hrtime.bigint();
    const seeded = await seed(imp.tenantId, importUsers);
    await seed(dbl.tenantId, 2 * importUsers);
    const seedMs = ms(t);
    await runImport(imp); // warm-up: JIT, connections, DynamoDB Local's caches
    const singles: Awaited<ReturnType<typeof runImport>>[] = [];
    const doubles: Awaited<ReturnType<typeof runImport>>[] = [];
    // The same walk as bare keyset Queries of the users' partition: DynamoDB Local's own growth with size.
    const bareWalk = async (tenantId: TenantId) => {
      const started = process.hrtime.bigint();
      let startKey: Record<string, unknown> | undefined;
      do {
        const result = await db.send(
          new QueryCommand({
            TableName: tableName,
            KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
            ExpressionAttributeValues: { ':pk': keys.userPartition(tenantId), ':prefix': prefixes.user },
            Limit: pageSize,
            ExclusiveStartKey: startKey,
          }),
        );
        startKey = result.LastEvaluatedKey;
      } while (startKey);
      return ms(started);
    };
    const bareSingles: number[] = [];
    const bareDoubles: number[] = [];
    for (let rep = 0; rep < importRuns; rep++) {
      singles.push(await runImport(imp));
      doubles.push(await runImport(dbl));
      bareSingles.push(await bareWalk(imp.tenantId));
      bareDoubles.push(await bareWalk(dbl.tenantId));
    }
    const perPageMin = singles[0]!.pageTimes.map((_, i) => Math.min(...singles.map((run) => run.pageTimes[i]!)));
    const single = median(singles.map((run) => run.totalMs));
    const double = median(doubles.map((run) => run.totalMs));
    const imports = {
      users: importUsers,
      pageSize,
      runsPerSize: importRuns,
      seededByBatchWriteMs: Math.round(seedMs),
      importMs: Math.round(single),
      importDoubleMs: Math.round(double),
      lastTenOverFirstTenPages: round2(mean(perPageMin.slice(-10)) / mean(perPageMin.slice(0, 10))),
      doubleOverSingle: round2(double / single),
      bareQueryWalkMs: Math.round(median(bareSingles)),
      bareQueryWalkDoubleMs: Math.round(median(bareDoubles)),
      bareDoubleOverSingle: round2(median(bareDoubles) / median(bareSingles)),
      importOverBareQueryWalk: round2(single / median(bareSingles)),
      meanPageMs: round2(mean(perPageMin)),
    };

    // 3. A group grown to `groupMembers` by PATCH add of `patchBatch` members each.
    const group = await send('POST', `/scim/v2/${imp.tenantId}/Groups`, imp.token, { schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'], displayName: 'Bench group' });
    const patchTimes: number[] = [];
    const members = seeded.slice(0, groupMembers).map((u) => u.id);
    for (let i = 0; i < members.length; i += patchBatch) {
      t = process.hrtime.bigint();
      await send('PATCH', `/scim/v2/${imp.tenantId}/Groups/${group.id as string}`, imp.token, { schemas: [PATCH_OP], Operations: [{ op: 'add', path: 'members', value: members.slice(i, i + patchBatch).map((value) => ({ value })) }] });
      patchTimes.push(ms(t));
    }
    t = process.hrtime.bigint();
    await send('GET', `/scim/v2/${imp.tenantId}/Groups/${group.id as string}?excludedAttributes=members`, imp.token);
    const getExcludedMs = ms(t);
    const groups = {
      members: members.length,
      patchBatch,
      patches: patchTimes.length,
      firstPatchMs: round2(patchTimes[0]!),
      lastPatchMs: round2(patchTimes.at(-1)!),
      lastOverFirstPatch: round2(patchTimes.at(-1)! / patchTimes[0]!),
      lastFiveOverFirstFive: round2(mean(patchTimes.slice(-5)) / mean(patchTimes.slice(0, 5))),
      lastTenOverFirstTenMedian: round2(median(patchTimes.slice(-10)) / median(patchTimes.slice(0, 10))),
      getExcludedMembersMs: round2(getExcludedMs),
    };
    return { operations, imports, groups };
  } finally {
    await db.send(new DeleteTableCommand({ TableName: tableName })).catch(() => undefined);
  }
}
