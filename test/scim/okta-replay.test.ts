import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TenantId } from '../../lambdas/core/ids';
import { client, createTenant, createWorld, GROUP_SCHEMA, oktaUser, PATCH_OP, q, type ScimWorld } from './harness';

// Okta's OIN SCIM 2.0 traffic, replayed in order through the Lambda handler with API Gateway v2 events.
describe('Okta replay', () => {
  let world: ScimWorld;
  let tenantId: TenantId;
  let scim: ReturnType<typeof client>;
  const state: Record<string, string> = {};

  beforeAll(async () => {
    world = await createWorld();
    const tenant = await createTenant(world);
    tenantId = tenant.tenantId;
    scim = client(world, tenantId, tenant.token);
  });
  afterAll(async () => world.table.drop());

  it('Test API Credentials: empty user and group pages', async () => {
    const users = await scim.get(`/Users?filter=${q('userName eq "nobody@example.com"')}&startIndex=1&count=2`);
    expect(users.status).toBe(200);
    expect(users.headers['content-type']).toMatch(/^application\/scim\+json/);
    expect(users.body).toEqual({ schemas: ['urn:ietf:params:scim:api:messages:2.0:ListResponse'], totalResults: 0, itemsPerPage: 0, startIndex: 1, Resources: [] });
    const groups = await scim.get('/Groups?startIndex=1&count=100');
    expect(groups.body.totalResults).toBe(0);
  });

  it('answers Authorization: non-token with 401 in the SCIM error schema', async () => {
    const res = await scim.get('/Users', { authorization: 'non-token' });
    expect(res.status).toBe(401);
    expect(res.body.schemas).toEqual(['urn:ietf:params:scim:api:messages:2.0:Error']);
    expect(res.body.status).toBe('401');
    expect(typeof res.body.detail).toBe('string');
  });

  it('creates a user (201, Location, no password echoed)', async () => {
    const res = await scim.post('/Users', oktaUser('Alice.Smith@example.com'), { 'content-type': 'application/json' });
    expect(res.status).toBe(201);
    expect(res.body.id).toEqual(expect.any(String));
    expect(res.headers.location).toBe(`https://api.example.test/scim/v2/${tenantId}/Users/${res.body.id}`);
    expect(res.body.meta).toMatchObject({ resourceType: 'User', location: res.headers.location, version: 'W/"1"' });
    expect(res.headers.etag).toBe('W/"1"');
    expect(res.body.password).toBeUndefined();
    expect(JSON.stringify(res.body)).not.toContain('1mPa$$w0rd!');
    expect(res.body).toMatchObject({ userName: 'Alice.Smith@example.com', active: true, name: { givenName: 'Alice', familyName: 'Smith' }, locale: 'en-US', groups: [] });
    state.alice = res.body.id;
  });

  it('refuses a duplicate userName in any case with 409 uniqueness', async () => {
    const res = await scim.post('/Users', oktaUser('alice.smith@EXAMPLE.com'));
    expect(res.status).toBe(409);
    expect(res.body).toMatchObject({ status: '409', scimType: 'uniqueness' });
  });

  it('finds the user by userName in another case', async () => {
    const res = await scim.get(`/Users?filter=${q('userName eq "ALICE.SMITH@EXAMPLE.COM"')}&startIndex=1&count=100`);
    expect(res.body.totalResults).toBe(1);
    expect(res.body.Resources[0].id).toBe(state.alice);
  });

  it('answers 404 for an unknown id', async () => {
    const res = await scim.get('/Users/00919288221112222');
    expect(res.status).toBe(404);
    expect(res.body).toMatchObject({ status: '404', schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'] });
  });

  it('updates by GET then PUT of the whole object (read-only attributes ignored)', async () => {
    const current = await scim.get(`/Users/${state.alice}`);
    const body = { ...current.body, name: { givenName: 'Alicia', familyName: 'Smith' }, title: 'Engineer', password: 'x' };
    const res = await scim.put(`/Users/${state.alice}`, body);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id: state.alice, name: { givenName: 'Alicia', familyName: 'Smith' }, title: 'Engineer' });
    expect(res.body.meta.version).toBe('W/"2"');
    expect(res.body.password).toBeUndefined();
  });

  it('updates by PATCH', async () => {
    const res = await scim.patch(`/Users/${state.alice}`, { schemas: [PATCH_OP], Operations: [{ op: 'replace', value: { 'name.familyName': 'Jones', title: 'Lead' } }] });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ name: { givenName: 'Alicia', familyName: 'Jones' }, title: 'Lead' });
  });

  it('deactivates with a pathless replace, still finds the user, and reactivates the same id', async () => {
    const off = await scim.patch(`/Users/${state.alice}`, { schemas: [PATCH_OP], Operations: [{ op: 'replace', value: { active: false } }] });
    expect(off.status).toBe(200);
    expect(off.body.active).toBe(false);
    const found = await scim.get(`/Users?filter=${q('userName eq "alice.smith@example.com"')}&startIndex=1&count=100`);
    expect(found.body.Resources[0]).toMatchObject({ id: state.alice, active: false });
    const on = await scim.patch(`/Users/${state.alice}`, { schemas: [PATCH_OP], Operations: [{ op: 'replace', value: { active: true } }] });
    expect(on.body).toMatchObject({ id: state.alice, active: true });
  });

  it('imports users in pages of count with exact totalResults and no duplicates', async () => {
    for (let i = 0; i < 11; i++) expect((await scim.post('/Users', oktaUser(`user${i}.import@example.com`))).status).toBe(201);
    const seen: string[] = [];
    for (let start = 1; start <= 12; start += 5) {
      const page = await scim.get(`/Users?startIndex=${start}&count=5`);
      expect(page.body.totalResults).toBe(12);
      expect(page.body.startIndex).toBe(start);
      expect(page.body.itemsPerPage).toBe(page.body.Resources.length);
      seen.push(...page.body.Resources.map((r: { id: string }) => r.id));
    }
    expect(seen).toHaveLength(12);
    expect(new Set(seen).size).toBe(12);
    const past = await scim.get('/Users?startIndex=13&count=5');
    expect(past.body).toMatchObject({ totalResults: 12, itemsPerPage: 0, Resources: [] });
  });

  it('pushes a group: create, add, remove, rename, PUT, delete', async () => {
    const members = (await scim.get('/Users?startIndex=1&count=3')).body.Resources.map((r: { id: string; displayName: string }) => ({ value: r.id, display: r.displayName }));
    const created = await scim.post('/Groups', { schemas: [GROUP_SCHEMA], displayName: 'Engineering', members: [] });
    expect(created.status).toBe(201);
    const id = created.body.id as string;
    expect(created.body).toMatchObject({ displayName: 'Engineering', members: [], meta: { resourceType: 'Group' } });

    const add = await scim.patch(`/Groups/${id}`, { schemas: [PATCH_OP], Operations: [{ op: 'add', path: 'members', value: members }] });
    expect(add.status).toBe(204);
    let read = await scim.get(`/Groups/${id}`);
    expect(read.body.members.map((m: { value: string }) => m.value).sort()).toEqual(members.map((m: { value: string }) => m.value).sort());

    const remove = await scim.patch(`/Groups/${id}`, { schemas: [PATCH_OP], Operations: [{ op: 'remove', path: `members[value eq "${members[0].value}"]` }] });
    expect(remove.status).toBe(204);
    const rename = await scim.patch(`/Groups/${id}`, { schemas: [PATCH_OP], Operations: [{ op: 'replace', value: { id, displayName: 'Engineering Team' } }] });
    expect(rename.status).toBe(204);
    read = await scim.get(`/Groups/${id}?excludedAttributes=members`);
    expect(read.body.displayName).toBe('Engineering Team');
    expect(read.body.members).toBeUndefined();
    read = await scim.get(`/Groups/${id}`);
    expect(read.body.members).toHaveLength(2);

    const byName = await scim.get(`/Groups?filter=${q('displayName eq "engineering team"')}&startIndex=1&count=100`);
    expect(byName.body.Resources.map((g: { id: string }) => g.id)).toEqual([id]);

    const put = await scim.put(`/Groups/${id}`, { schemas: [GROUP_SCHEMA], id, displayName: 'Eng', members: [members[0]] });
    expect(put.status).toBe(200);
    expect(put.body).toMatchObject({ displayName: 'Eng', members: [{ value: members[0].value }] });

    // Okta's "full push": replace of members sets the membership exactly.
    const fullPush = await scim.patch(`/Groups/${id}`, { schemas: [PATCH_OP], Operations: [{ op: 'replace', path: 'members', value: [members[0], members[2]] }] });
    expect(fullPush.status).toBe(204);
    expect((await scim.get(`/Groups/${id}`)).body.members.map((m: { value: string }) => m.value).sort()).toEqual([members[0].value, members[2].value].sort());
    await scim.patch(`/Groups/${id}`, { schemas: [PATCH_OP], Operations: [{ op: 'replace', path: 'members', value: [members[0]] }] });

    const user = await scim.get(`/Users/${members[0].value}`);
    expect(user.body.groups).toEqual([expect.objectContaining({ value: id, display: 'Eng' })]);
    // Okta's group import: a plain page of groups carries the memberships (members are returned by default).
    const imported = await scim.get('/Groups?startIndex=1&count=100');
    expect(imported.body.Resources.find((g: { id: string }) => g.id === id).members).toEqual([expect.objectContaining({ value: members[0].value, type: 'User' })]);

    expect((await scim.delete(`/Groups/${id}`)).status).toBe(204);
    expect((await scim.get(`/Groups/${id}`)).status).toBe(404);
    expect((await scim.get(`/Users/${members[0].value}`)).body.groups).toEqual([]);
  });

  it('records every change as a provisioning event without secrets', async () => {
    // One category of the log is a GSI (eventually consistent by design): an admin sees the events on the next load.
    await world.table.settle();
    const events = await world.adapters.activity.list(tenantId, { limit: 100, category: 'provisioning' });
    const types = new Set(events.items.map((e) => e.type));
    for (const type of ['user.created', 'user.updated', 'user.deactivated', 'user.reactivated', 'group.created', 'group.members.added', 'group.members.removed', 'group.updated', 'group.deleted']) {
      expect(types).toContain(type);
    }
    expect(JSON.stringify(events.items)).not.toContain('1mPa$$w0rd!');
    expect(events.items.every((e) => e.actor.startsWith('scim-token:'))).toBe(true);
  });

  it('never logs the token', async () => {
    expect(world.logs.length).toBeGreaterThan(10);
    expect(world.logs.join('\n')).not.toMatch(/natoma_scim_/);
  });
});
