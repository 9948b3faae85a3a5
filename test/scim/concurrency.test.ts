import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TenantId } from '../../lambdas/core/ids';
import { client, createTenant, createWorld, GROUP_SCHEMA, oktaUser, PATCH_OP, type ScimWorld } from './harness';

describe('SCIM under concurrency', () => {
  let world: ScimWorld;
  let tenantId: TenantId;
  let scim: ReturnType<typeof client>;
  beforeAll(async () => {
    world = await createWorld();
    const tenant = await createTenant(world);
    tenantId = tenant.tenantId;
    scim = client(world, tenantId, tenant.token);
  });
  afterAll(async () => world.table.drop());

  it('20 concurrent creates of one userName in different cases: one 201, the rest 409', async () => {
    const variants = Array.from({ length: 20 }, (_, i) => {
      const base = 'race.person@example.com';
      return [...base].map((c, j) => ((i >> j % 5) & 1 ? c.toUpperCase() : c)).join('') + (i >= 16 ? '' : '');
    });
    const results = await Promise.all(variants.map((userName) => scim.post('/Users', oktaUser(userName))));
    const statuses = results.map((r) => r.status).sort();
    expect(statuses.filter((s) => s === 201)).toHaveLength(1);
    expect(statuses.filter((s) => s === 409)).toHaveLength(19);
    expect(results.filter((r) => r.status === 409).every((r) => r.body.scimType === 'uniqueness')).toBe(true);
    expect((await scim.get('/Users?count=0')).body.totalResults).toBe(1);
  });

  it('concurrent membership PATCHes on one group lose nothing', async () => {
    const users: string[] = [];
    for (let i = 0; i < 40; i++) users.push((await scim.post('/Users', oktaUser(`member${i}@example.com`))).body.id);
    const group = await scim.post('/Groups', { schemas: [GROUP_SCHEMA], displayName: 'Busy', members: users.slice(0, 10).map((value) => ({ value })) });
    const id = group.body.id as string;
    const patches = [
      // Eight concurrent adds of 4 new members each, two concurrent removals, and a rename.
      ...Array.from({ length: 8 }, (_, i) => scim.patch(`/Groups/${id}`, { schemas: [PATCH_OP], Operations: [{ op: 'add', path: 'members', value: users.slice(10 + i * 4, 14 + i * 4).map((value) => ({ value })) }] })),
      scim.patch(`/Groups/${id}`, { schemas: [PATCH_OP], Operations: [{ op: 'remove', path: `members[value eq "${users[0]}"]` }] }),
      scim.patch(`/Groups/${id}`, { schemas: [PATCH_OP], Operations: [{ op: 'remove', path: `members[value eq "${users[1]}"]` }] }),
      scim.patch(`/Groups/${id}`, { schemas: [PATCH_OP], Operations: [{ op: 'replace', value: { displayName: 'Busy Team' } }] }),
    ];
    const results = await Promise.all(patches);
    expect(results.map((r) => r.status)).toEqual(Array(11).fill(204));
    const read = await scim.get(`/Groups/${id}`);
    const members = new Set(read.body.members.map((m: { value: string }) => m.value));
    expect(members.size).toBe(40 - 2);
    expect(members.has(users[0])).toBe(false);
    expect(read.body.displayName).toBe('Busy Team');
    expect((await world.adapters.groups.get(tenantId, id as never))!.memberCount).toBe(38);
  });

  it('concurrent PATCHes of one user without If-Match all apply', async () => {
    const u = await scim.post('/Users', oktaUser('many.edits@example.com'));
    const keys = ['title', 'nickName', 'locale', 'timezone', 'userType', 'profileUrl'];
    const results = await Promise.all(keys.map((key) => scim.patch(`/Users/${u.body.id}`, { schemas: [PATCH_OP], Operations: [{ op: 'replace', path: key, value: `v-${key}` }] })));
    expect(results.map((r) => r.status)).toEqual(Array(keys.length).fill(200));
    const read = await scim.get(`/Users/${u.body.id}`);
    for (const key of keys) expect(read.body[key]).toBe(`v-${key}`);
  });
});
