import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TenantId } from '../../lambdas/core/ids';
import { client, createTenant, createWorld, GROUP_SCHEMA, PATCH_OP, q, USER_SCHEMA, type ScimWorld } from './harness';

const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
const ACME = 'urn:ietf:params:scim:schemas:extension:acme:2.0:User';
const ERROR = 'urn:ietf:params:scim:api:messages:2.0:Error';

/** Entra's create payload (its provisioning docs and SCIM validator use this shape). */
const entraUser = (tag: string) => ({
  schemas: [USER_SCHEMA, ENTERPRISE],
  externalId: `ext-${tag}`,
  userName: `Test_User_${tag}`,
  active: true,
  emails: [{ primary: true, type: 'work', value: `Test_User_${tag}@testuser.com` }],
  meta: { resourceType: 'User' },
  name: { formatted: 'givenName familyName', familyName: 'familyName', givenName: 'givenName' },
  roles: [],
});

// Microsoft Entra ID's provisioning traffic (its SCIM validator's cases), replayed in order through the Lambda handler.
describe('Entra ID replay', () => {
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

  it('test connection: discovery endpoints, then a lookup of a user that does not exist', async () => {
    for (const path of ['/ServiceProviderConfig', '/Schemas', '/ResourceTypes']) expect((await scim.get(path)).status).toBe(200);
    const res = await scim.get(`/Users?filter=${q('userName eq "a4b6d3e2-0f51-4fd5-9c0b-000000000000"')}`);
    expect(res.body).toMatchObject({ totalResults: 0, Resources: [] });
  });

  it('creates users, the enterprise extension included', async () => {
    const res = await scim.post('/Users', { ...entraUser('ab6490ee'), [ENTERPRISE]: { department: 'Sales', employeeNumber: '701984' } });
    expect(res.status).toBe(201);
    expect(res.body[ENTERPRISE]).toEqual({ department: 'Sales', employeeNumber: '701984' });
    state.user = res.body.id;
    state.manager = (await scim.post('/Users', entraUser('manager01'))).body.id;
  });

  it('matches a user by work email: emails[type eq "work"].value eq "…", served by an index', async () => {
    const filter = q('emails[type eq "work"].value eq "TEST_USER_ab6490ee@testuser.com"');
    const { result, counts } = await world.counting.measure(() => scim.get(`/Users?filter=${filter}`));
    expect(result.status).toBe(200);
    expect(result.body.Resources.map((r: { id: string }) => r.id)).toEqual([state.user]);
    expect(counts.itemsRead).toBeLessThanOrEqual(4);
    expect((await scim.get(`/Users?filter=${q('emails[type eq "home"].value eq "Test_User_ab6490ee@testuser.com"')}`)).body.totalResults).toBe(0);
    expect((await scim.get(`/Users?filter=${q('emails[type eq "work"].value pr')}`)).body.totalResults).toBe(2);
    expect((await scim.get(`/Users?filter=${q('emails[type eq "work"].value ew "@testuser.com" and userName sw "test_user_ab"')}`)).body.totalResults).toBe(1);
  });

  it('applies capitalised ops and string booleans: disable and enable', async () => {
    const off = await scim.patch(`/Users/${state.user}`, { schemas: [PATCH_OP], Operations: [{ op: 'Replace', path: 'active', value: 'False' }] });
    expect(off.status).toBe(200);
    expect(off.body.active).toBe(false);
    expect((await scim.get(`/Users?filter=${q('active eq "False"')}`)).body.Resources.map((r: { id: string }) => r.id)).toEqual([state.user]);
    const on = await scim.patch(`/Users/${state.user}`, { schemas: [PATCH_OP], Operations: [{ op: 'Replace', value: { active: 'True' } }] });
    expect(on.body.active).toBe(true);
  });

  it('sets the manager from a plain string id, by path and in a pathless value, and removes it', async () => {
    const byPath = await scim.patch(`/Users/${state.user}`, { schemas: [PATCH_OP], Operations: [{ op: 'Add', path: `${ENTERPRISE}:manager`, value: state.manager }] });
    expect(byPath.status).toBe(200);
    expect(byPath.body[ENTERPRISE].manager).toEqual({ value: state.manager });
    const pathless = await scim.patch(`/Users/${state.user}`, { schemas: [PATCH_OP], Operations: [{ op: 'Replace', value: { [`${ENTERPRISE}:manager`]: 'another-manager' } }] });
    expect(pathless.body[ENTERPRISE].manager).toEqual({ value: 'another-manager' });
    const removed = await scim.patch(`/Users/${state.user}`, { schemas: [PATCH_OP], Operations: [{ op: 'Remove', path: `${ENTERPRISE}:manager` }] });
    expect(removed.body[ENTERPRISE]).toEqual({ department: 'Sales', employeeNumber: '701984' });
  });

  it('stores a pathless value holding a whole custom extension under its URN, served by attributes= and filterable', async () => {
    const res = await scim.patch(`/Users/${state.user}`, { schemas: [PATCH_OP], Operations: [{ op: 'Add', value: { [ACME]: { badge: '1234', site: 'Oslo' } } }] });
    expect(res.status).toBe(200);
    expect(res.body[ACME]).toEqual({ badge: '1234', site: 'Oslo' });
    expect(res.body.schemas).toContain(ACME);
    const projected = await scim.get(`/Users/${state.user}?attributes=${q(ACME)}`);
    expect(projected.body).toEqual({ schemas: expect.arrayContaining([USER_SCHEMA, ACME]), id: state.user, [ACME]: { badge: '1234', site: 'Oslo' } });
    const found = await scim.get(`/Users?filter=${q(`${ACME}:badge eq "1234"`)}`);
    expect(found.body.Resources.map((r: { id: string }) => r.id)).toEqual([state.user]);
    const replaced = await scim.patch(`/Users/${state.user}`, { schemas: [PATCH_OP], Operations: [{ op: 'Replace', path: `${ACME}:site`, value: 'Bergen' }] });
    expect(replaced.body[ACME]).toEqual({ badge: '1234', site: 'Bergen' });
  });

  it('answers pr on complex attributes (name pr, addresses pr)', async () => {
    expect((await scim.get(`/Users?filter=${q('name pr')}`)).body.totalResults).toBe(2);
    expect((await scim.get(`/Users?filter=${q('addresses pr')}`)).body.totalResults).toBe(0);
    await scim.patch(`/Users/${state.user}`, { schemas: [PATCH_OP], Operations: [{ op: 'Add', path: 'addresses', value: [{ type: 'work', locality: 'Oslo', primary: 'True' }] }] });
    const withAddress = await scim.get(`/Users?filter=${q('addresses pr and name.givenName pr')}`);
    expect(withAddress.body.Resources.map((r: { id: string }) => r.id)).toEqual([state.user]);
    expect(withAddress.body.Resources[0].addresses).toEqual([{ type: 'work', locality: 'Oslo', primary: true }]);
  });

  it('updates the work email through a filtered path, and the email filter follows', async () => {
    const res = await scim.patch(`/Users/${state.user}`, {
      schemas: [PATCH_OP],
      Operations: [
        { op: 'Replace', path: 'emails[type eq "work"].value', value: 'updated@testuser.com' },
        { op: 'Replace', path: 'name.familyName', value: 'updatedFamilyName' },
      ],
    });
    expect(res.body.emails).toEqual([{ primary: true, type: 'work', value: 'updated@testuser.com' }]);
    expect((await scim.get(`/Users?filter=${q('emails[type eq "work"].value eq "updated@testuser.com"')}`)).body.totalResults).toBe(1);
  });

  it('refuses a filter on an attribute no schema defines with 400 invalidFilter', async () => {
    for (const filter of ['usrName eq "x"', 'name.nickname eq "x"', 'emails[kind eq "work"]', `${ENTERPRISE}:badge eq "x"`]) {
      const res = await scim.get(`/Users?filter=${q(filter)}`);
      expect(res.body, filter).toMatchObject({ schemas: [ERROR], status: '400', scimType: 'invalidFilter' });
    }
  });

  it('answers If-None-Match with the current ETag with 304, and a stale one with the resource', async () => {
    const current = await scim.get(`/Users/${state.user}`);
    const same = await scim.get(`/Users/${state.user}`, { 'if-none-match': current.headers.etag! });
    expect(same.status).toBe(304);
    expect(same.body).toBeUndefined();
    expect(same.headers.etag).toBe(current.headers.etag);
    expect((await scim.get(`/Users/${state.user}`, { 'if-none-match': 'W/"1"' })).status).toBe(200);
  });

  it('provisions a group: lookup without members, create, add and remove members, rename', async () => {
    const lookup = await scim.get(`/Groups?excludedAttributes=members&filter=${q('displayName eq "Group_9d3b"')}`);
    expect(lookup.body.totalResults).toBe(0);
    const created = await scim.post('/Groups', { externalId: 'grp-9d3b', displayName: 'Group_9d3b', meta: { resourceType: 'Group' }, schemas: [GROUP_SCHEMA] });
    expect(created.status).toBe(201);
    const id = created.body.id as string;
    const add = await scim.patch(`/Groups/${id}`, { schemas: [PATCH_OP], Operations: [{ op: 'Add', path: 'members', value: [{ value: state.user }, { value: state.manager }] }] });
    expect(add.status).toBe(204);
    const remove = await scim.patch(`/Groups/${id}`, { schemas: [PATCH_OP], Operations: [{ op: 'Remove', path: 'members', value: [{ value: state.manager }] }] });
    expect(remove.status).toBe(204);
    const rename = await scim.patch(`/Groups/${id}`, { schemas: [PATCH_OP], Operations: [{ op: 'Replace', path: 'displayName', value: 'Group_9d3b renamed' }] });
    expect(rename.status).toBe(204);
    const read = await scim.get(`/Groups/${id}`);
    expect(read.body).toMatchObject({ displayName: 'Group_9d3b renamed', members: [{ value: state.user }] });
    expect((await scim.get(`/Groups?filter=${q(`members[value eq "${state.user}"]`)}&excludedAttributes=members`)).body.totalResults).toBe(1);
  });

  it('deletes a user: 204, then 404', async () => {
    expect((await scim.delete(`/Users/${state.manager}`)).status).toBe(204);
    expect((await scim.get(`/Users/${state.manager}`)).status).toBe(404);
  });
});
