import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { User } from '../../lambdas/core/identity/user';
import { asGroupId, asUserId, newResourceId, type GroupId, type TenantId } from '../../lambdas/core/ids';
import { call, createTenant, createWorld, GROUP_SCHEMA, oktaUser, PATCH_OP, q, type Call, type ScimWorld } from './harness';
import type { DynamoCallCounts } from '../support/counting-client';

// Cost bounds, counted on the DynamoDB client (deterministic, not timed).
describe('SCIM cost bounds', () => {
  let world: ScimWorld;
  let tenantId: TenantId;
  let token: string;
  let maxItemsRead = 0;
  let heaviest = '';
  let maxDeleteItemsRead = 0;
  let maxResponseBytes = 0;
  let scanned = false;

  async function measured(method: string, path: string, body?: unknown): Promise<{ res: Call; counts: DynamoCallCounts }> {
    const { result, counts } = await world.counting.measure(() => call(world, method, `/scim/v2/${tenantId}${path}`, { token, body }));
    if (method === 'DELETE') {
      // The storage adapter purges up to 1,000 memberships (keys only) inline, the rest asynchronously.
      maxDeleteItemsRead = Math.max(maxDeleteItemsRead, counts.itemsRead);
    } else {
      if (counts.itemsRead > maxItemsRead) heaviest = `${method} ${path.split('?')[0]}`;
      maxItemsRead = Math.max(maxItemsRead, counts.itemsRead);
    }
    maxResponseBytes = Math.max(maxResponseBytes, Buffer.byteLength(result.raw.body ?? ''));
    scanned ||= counts.scanned;
    return { res: result, counts };
  }

  async function seedUsers(n: number, prefix: string): Promise<User[]> {
    const now = new Date().toISOString();
    const users: User[] = [];
    for (let i = 0; i < n; i++) {
      users.push({ tenantId, id: asUserId(newResourceId()), userName: `${prefix}${i}@example.com`, active: true, emails: [{ value: `${prefix}${i}@example.com`, type: 'work', primary: true }], name: { givenName: prefix, familyName: String(i) }, profile: { title: 'Seeded' }, source: 'scim', isAdmin: false, createdAt: now, updatedAt: now, version: 1 });
    }
    for (let i = 0; i < users.length; i += 25) await Promise.all(users.slice(i, i + 25).map((u) => world.adapters.users.create(u)));
    return users;
  }

  async function newGroup(name: string): Promise<GroupId> {
    const res = await call(world, 'POST', `/scim/v2/${tenantId}/Groups`, { token, body: { schemas: [GROUP_SCHEMA], displayName: name } });
    return asGroupId(res.body.id);
  }

  beforeAll(async () => {
    world = await createWorld();
    ({ tenantId, token } = await createTenant(world));
    // Warm the token cache so each measured request counts its own work only.
    await call(world, 'GET', `/scim/v2/${tenantId}/Users?count=0`, { token });
  });
  afterAll(async () => world.table.drop());

  it('answers totalResults and the indexed lookups in a constant number of reads', { timeout: 300_000 }, async () => {
    const users = await seedUsers(300, 'lookup');
    const externalId = 'ext-lookup-1';
    const created = await call(world, 'POST', `/scim/v2/${tenantId}/Users`, { token, body: oktaUser('find.me@example.com', { externalId }) });
    const cases = [
      '/Users?count=0',
      '/Users?startIndex=1&count=0',
      `/Users?filter=${q('userName eq "FIND.ME@example.com"')}&startIndex=1&count=100`,
      `/Users?filter=${q(`externalId eq "${externalId}"`)}`,
      `/Users?filter=${q(`id eq "${users[17]!.id}"`)}`,
      `/Users?filter=${q('emails.value eq "find.me@example.com"')}`,
      `/Users/${created.body.id}?excludedAttributes=groups`,
    ];
    for (const path of cases) {
      const { res, counts } = await measured('GET', path);
      expect(res.status, path).toBe(200);
      expect(counts.total, path).toBeLessThanOrEqual(3);
      expect(counts.itemsRead, path).toBeLessThanOrEqual(4);
    }
  });

  it('imports N users with at most 1.1 × N + 2 × pages item reads', { timeout: 600_000 }, async () => {
    const total = (await measured('GET', '/Users?count=0')).res.body.totalResults as number;
    await seedUsers(1000 - total, 'import');
    const n = 1000;
    let itemsRead = 0;
    let pages = 0;
    const ids = new Set<string>();
    for (let start = 1; start <= n; start += 100) {
      const { res, counts } = await measured('GET', `/Users?startIndex=${start}&count=100`);
      expect(res.body.totalResults).toBe(n);
      res.body.Resources.forEach((r: { id: string }) => ids.add(r.id));
      itemsRead += counts.itemsRead;
      pages++;
    }
    expect(ids.size).toBe(n);
    expect(itemsRead).toBeLessThanOrEqual(1.1 * n + 2 * pages);
    console.info(`import of ${n} users in ${pages} pages read ${itemsRead} items`);
  });

  it('answers a non-indexed filter over more users than the scan bound with 400 tooMany, not a partial answer', async () => {
    const { res, counts } = await measured('GET', `/Users?filter=${q('title eq "Seeded"')}`);
    expect(res.body).toMatchObject({ status: '400', scimType: 'tooMany' });
    expect(counts.itemsRead).toBeLessThanOrEqual(2);
  });

  it('costs the same to PATCH k members on a group of 0 and of 10,000 (256 ops within about 30 calls)', { timeout: 600_000 }, async () => {
    const members = (await world.adapters.users.list(tenantId, { limit: 256 })).items.map((u) => u.id);
    const small = await newGroup('Small');
    const big = await newGroup('Big');
    const filler = Array.from({ length: 10_000 }, () => asUserId(newResourceId()));
    for (let i = 0; i < filler.length; i += 990) await world.adapters.groups.addMembers(tenantId, big, filler.slice(i, i + 990));
    expect((await world.adapters.groups.get(tenantId, big))!.memberCount).toBe(10_000);

    const addBody = { schemas: [PATCH_OP], Operations: [{ op: 'add', path: 'members', value: members.map((value) => ({ value, display: 'x' })) }] };
    const addSmall = await measured('PATCH', `/Groups/${small}`, addBody);
    const addBig = await measured('PATCH', `/Groups/${big}`, addBody);
    expect([addSmall.res.status, addBig.res.status]).toEqual([204, 204]);
    expect(addBig.counts.total).toBe(addSmall.counts.total);
    expect(addBig.counts.itemsRead).toBe(addSmall.counts.itemsRead);
    expect(addBig.counts.total).toBeLessThanOrEqual(30);

    const removeBody = { schemas: [PATCH_OP], Operations: members.map((id) => ({ op: 'remove', path: `members[value eq "${id}"]` })) };
    const removeSmall = await measured('PATCH', `/Groups/${small}`, removeBody);
    const removeBig = await measured('PATCH', `/Groups/${big}`, removeBody);
    expect(removeBig.counts.total).toBe(removeSmall.counts.total);
    expect(removeBig.counts.total).toBeLessThanOrEqual(30);
    expect((await world.adapters.groups.get(tenantId, big))!.memberCount).toBe(10_000);
    console.info(`256 member adds: ${addBig.counts.total} calls; 256 removes: ${removeBig.counts.total} calls`);

    // excludedAttributes=members: one read, whatever the size.
    for (const id of [small, big]) {
      const { res, counts } = await measured('GET', `/Groups/${id}?excludedAttributes=members`);
      expect(res.status).toBe(200);
      expect(counts.total).toBe(1);
      expect(counts.itemsRead).toBe(1);
    }
    // A plain GET (Okta's existence check) never fails: past the inline cap the group comes without members, in one read.
    const full = await measured('GET', `/Groups/${big}`);
    expect(full.res.status).toBe(200);
    expect(full.res.body).toMatchObject({ id: big, displayName: 'Big' });
    expect(full.res.body.members).toBeUndefined();
    expect(full.counts.itemsRead).toBe(1);
    // A plain list page (Okta's group import): full, the big group without members, the small one with its own.
    const page = await measured('GET', '/Groups?startIndex=1&count=100');
    expect(page.res.status).toBe(200);
    const listed = new Map<string, { members?: unknown[] }>(page.res.body.Resources.map((g: { id: string }) => [g.id, g]));
    expect(listed.get(big)!.members).toBeUndefined();
    expect(listed.get(small)!.members).toEqual([]);
    // A membership test on the big group stays cheap.
    const check = await measured('GET', `/Groups?filter=${q(`id eq "${big}" and members[value eq "${filler[5]}"]`)}&excludedAttributes=members`);
    expect(check.res.body.totalResults).toBe(1);
    expect(check.counts.total).toBeLessThanOrEqual(4);

    // Delete: gone at once, no membership visible.
    const del = await measured('DELETE', `/Groups/${big}`);
    expect(del.res.status).toBe(204);
    expect((await measured('GET', `/Groups/${big}`)).res.status).toBe(404);
    expect((await measured('GET', `/Groups?filter=${q(`members[value eq "${filler[5]}"]`)}`)).res.body.totalResults).toBe(0);
    expect((await measured('GET', `/Users/${members[0]}`)).res.body.groups).toEqual([]);
  });

  it('keeps a 990-member group GET and a 200-user page within 1,000 reads and 1 MB', { timeout: 300_000 }, async () => {
    const members = (await world.adapters.users.list(tenantId, { limit: 990 })).items.map((u) => u.id);
    const g = await newGroup('Inline');
    await world.adapters.groups.addMembers(tenantId, g, members);
    const { res } = await measured('GET', `/Groups/${g}`);
    expect(res.body.members).toHaveLength(990);
    expect((await measured('GET', '/Users?startIndex=1&count=200&attributes=userName,groups')).res.body.Resources).toHaveLength(200);
    expect((await measured('GET', '/Users?startIndex=201&count=500')).res.body.itemsPerPage).toBe(200);
  });

  it('never scanned, never read more than 1,000 items in one request, never answered more than 1 MB', () => {
    console.info(`max items read by one request: ${maxItemsRead} (${heaviest}), by a group DELETE: ${maxDeleteItemsRead}; largest response: ${maxResponseBytes} bytes`);
    expect(scanned).toBe(false);
    expect(world.counting.counts().scanned).toBe(false);
    expect(maxItemsRead).toBeLessThanOrEqual(1000);
    expect(maxDeleteItemsRead).toBeLessThanOrEqual(1000);
    expect(maxResponseBytes).toBeLessThanOrEqual(1_048_576);
  });
});
