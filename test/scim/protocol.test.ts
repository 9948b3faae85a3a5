import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TenantId } from '../../lambdas/core/ids';
import { call, client, createTenant, createWorld, GROUP_SCHEMA, oktaUser, PATCH_OP, q, USER_SCHEMA, type ScimWorld } from './harness';

const ENT = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';

describe('SCIM protocol through the handler', () => {
  let world: ScimWorld;
  let tenantId: TenantId;
  let token: string;
  let scim: ReturnType<typeof client>;
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    world = await createWorld();
    ({ tenantId, token } = await createTenant(world));
    scim = client(world, tenantId, token);
    for (const [key, userName, extra] of [
      ['ann', 'ann.lee@example.com', { title: 'Engineer', [ENT]: { department: 'R&D', employeeNumber: '7' } }],
      ['bob', 'bob.ray@example.com', { title: 'Sales rep', active: false }],
      ['cat', 'cat.kim@corp.example.org', { title: 'engineer', externalId: 'EXT-cat' }],
    ] as const) {
      const res = await scim.post('/Users', oktaUser(userName, extra));
      expect(res.status).toBe(201);
      ids[key] = res.body.id;
    }
  });
  afterAll(async () => world.table.drop());

  const userNames = (res: { body: { Resources: { userName: string }[] } }) => res.body.Resources.map((r) => r.userName).sort();

  describe('filters', () => {
    it.each([
      ['userName eq "ANN.LEE@example.com"', ['ann.lee@example.com']],
      ['externalId eq "EXT-cat"', ['cat.kim@corp.example.org']],
      ['externalId eq "ext-cat"', []],
      ['emails.value eq "Bob.Ray@example.com"', ['bob.ray@example.com']],
      ['emails[type eq "work" and value eq "cat.kim@corp.example.org"]', ['cat.kim@corp.example.org']],
      ['userName eq "ann.lee@example.com" or userName eq "bob.ray@example.com"', ['ann.lee@example.com', 'bob.ray@example.com']],
      ['userName eq "ann.lee@example.com" and active eq false', []],
      ['title eq "ENGINEER"', ['ann.lee@example.com', 'cat.kim@corp.example.org']],
      ['active eq false', ['bob.ray@example.com']],
      ['userName ew "example.com" and not (title sw "sales")', ['ann.lee@example.com']],
      [`${ENT}:department eq "r&d"`, ['ann.lee@example.com']],
      ['meta.created gt "2000-01-01T00:00:00Z"', ['ann.lee@example.com', 'bob.ray@example.com', 'cat.kim@corp.example.org']],
      ['nickName pr', []],
    ])('%s', async (filter, expected) => {
      const res = await scim.get(`/Users?filter=${q(filter)}`);
      expect(res.status).toBe(200);
      expect(userNames(res)).toEqual(expected);
      expect(res.body.totalResults).toBe(expected.length);
    });

    it('answers id eq through the index', async () => {
      const res = await scim.get(`/Users?filter=${q(`id eq "${ids.ann}"`)}`);
      expect(res.body.Resources.map((r: { id: string }) => r.id)).toEqual([ids.ann]);
    });

    it('rejects malformed filters with 400 invalidFilter', async () => {
      for (const filter of ['userName eq', 'userName xx "a"', 'active gt true', 'groups co "x"']) {
        const res = await scim.get(`/Users?filter=${q(filter)}`);
        expect(res.status, filter).toBe(400);
        expect(res.body).toMatchObject({ status: '400', scimType: 'invalidFilter' });
      }
    });

    it('filters groups by members and users by groups through membership items', async () => {
      const g = await scim.post('/Groups', { schemas: [GROUP_SCHEMA], displayName: 'Builders', members: [{ value: ids.ann }] });
      const other = await scim.post('/Groups', { schemas: [GROUP_SCHEMA], displayName: 'Others', members: [{ value: ids.bob }] });
      const byMember = await scim.get(`/Groups?filter=${q(`members[value eq "${ids.ann}"]`)}&excludedAttributes=members`);
      expect(byMember.body.Resources.map((r: { id: string }) => r.id)).toEqual([g.body.id]);
      // Entra's membership check.
      const check = await scim.get(`/Groups?filter=${q(`id eq "${g.body.id}" and members[value eq "${ids.bob}"]`)}&excludedAttributes=members`);
      expect(check.body.totalResults).toBe(0);
      const byGroup = await scim.get(`/Users?filter=${q(`groups.value eq "${other.body.id}"`)}`);
      expect(userNames(byGroup)).toEqual(['bob.ray@example.com']);
    });
  });

  describe('attributes and excludedAttributes', () => {
    it('returns id and schemas plus what was asked', async () => {
      const res = await scim.get(`/Users/${ids.ann}?attributes=userName,name.givenName,${ENT}:department`);
      expect(res.body).toEqual({ schemas: expect.any(Array), id: ids.ann, userName: 'ann.lee@example.com', name: { givenName: 'ann' }, [ENT]: { department: 'R&D' } });
    });
    it('drops excluded attributes but never id', async () => {
      const res = await scim.get(`/Users/${ids.ann}?excludedAttributes=emails,id,meta,groups`);
      expect(res.body.id).toBe(ids.ann);
      expect(res.body.emails).toBeUndefined();
      expect(res.body.meta).toBeUndefined();
      expect(res.body.groups).toBeUndefined();
    });
    it('returns groups on lists only when asked', async () => {
      const plain = await scim.get('/Users?count=1');
      expect(plain.body.Resources[0].groups).toBeUndefined();
      const asked = await scim.get('/Users?count=3&attributes=userName,groups');
      expect(asked.body.Resources.every((r: { groups?: unknown }) => Array.isArray(r.groups))).toBe(true);
    });
  });

  describe('ETags and If-Match', () => {
    it('answers 412 on a stale If-Match and applies a current one', async () => {
      const current = await scim.get(`/Users/${ids.cat}`);
      const etag = current.headers.etag!;
      expect(etag).toMatch(/^W\/"\d+"$/);
      const ok = await scim.patch(`/Users/${ids.cat}`, { schemas: [PATCH_OP], Operations: [{ op: 'replace', path: 'title', value: 'Staff' }] }, { 'if-match': etag });
      expect(ok.status).toBe(200);
      expect(ok.headers.etag).not.toBe(etag);
      const stale = await scim.patch(`/Users/${ids.cat}`, { schemas: [PATCH_OP], Operations: [{ op: 'replace', path: 'title', value: 'X' }] }, { 'if-match': etag });
      expect(stale.status).toBe(412);
      expect(stale.body).toMatchObject({ status: '412' });
      expect((await scim.put(`/Users/${ids.cat}`, { ...current.body, title: 'Y' }, { 'if-match': etag })).status).toBe(412);
      expect((await scim.get(`/Users/${ids.cat}`)).body.title).toBe('Staff');
    });
  });

  describe('Entra ID habits', () => {
    it('applies capitalised ops, string booleans, dotted keys, filtered paths on absent values and URN paths in one PATCH', async () => {
      const res = await scim.patch(`/Users/${ids.bob}`, {
        schemas: [PATCH_OP],
        Operations: [
          { op: 'Replace', path: 'active', value: 'True' },
          { op: 'Replace', value: { 'name.givenName': 'Robert', displayName: 'Robert Ray' } },
          { op: 'Add', path: 'emails[type eq "home"].value', value: 'bob@home.example' },
          { op: 'Add', path: 'phoneNumbers[type eq "mobile"].value', value: '+1 555 0100' },
          { op: 'Replace', path: `${ENT}:manager`, value: { value: ids.ann } },
          { op: 'Add', path: `${ENT}:employeeNumber`, value: '99' },
          { op: 'Replace', path: 'emails[type eq "work"].primary', value: 'False' },
        ],
      });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({
        active: true,
        displayName: 'Robert Ray',
        name: { givenName: 'Robert' },
        phoneNumbers: [{ type: 'mobile', value: '+1 555 0100' }],
        [ENT]: { manager: { value: ids.ann }, employeeNumber: '99' },
      });
      expect(res.body.emails).toEqual(expect.arrayContaining([{ value: 'bob@home.example', type: 'home' }, expect.objectContaining({ type: 'work', primary: false })]));
      expect(res.body.schemas).toContain(ENT);
      // The new email is indexed.
      expect((await scim.get(`/Users?filter=${q('emails.value eq "BOB@home.example"')}`)).body.totalResults).toBe(1);
    });

    it('removes listed group members with {path: members, value: [...]} and keeps the others', async () => {
      const g = await scim.post('/Groups', { schemas: [GROUP_SCHEMA], displayName: 'Entra', members: [{ value: ids.ann }, { value: ids.bob }] });
      const res = await scim.patch(`/Groups/${g.body.id}`, { schemas: [PATCH_OP], Operations: [{ op: 'Remove', path: 'members', value: [{ value: ids.ann }] }] });
      expect(res.status).toBe(204);
      expect((await scim.get(`/Groups/${g.body.id}`)).body.members).toEqual([expect.objectContaining({ value: ids.bob })]);
    });
  });

  describe('errors', () => {
    it('answers 413 above the declared maxPayloadSize (1 MiB)', async () => {
      const declared = (await scim.get('/ServiceProviderConfig')).body.bulk.maxPayloadSize as number;
      expect(declared).toBe(1_048_576);
      const res = await call(world, 'POST', `/scim/v2/${tenantId}/Users`, { token, rawBody: JSON.stringify({ userName: 'big', blob: 'x'.repeat(declared + 1) }) });
      expect(res.status).toBe(413);
      expect(res.body).toMatchObject({ status: '413' });
    });
    it('answers 400 invalidValue to a user too large to store, not a 500', async () => {
      const res = await scim.post('/Users', oktaUser('huge@example.com', { blob: 'x'.repeat(400_000) }));
      expect(res.body).toMatchObject({ status: '400', scimType: 'invalidValue' });
    });
    it('answers 400 invalidSyntax to malformed JSON and 415 to a non-JSON type', async () => {
      expect((await call(world, 'POST', `/scim/v2/${tenantId}/Users`, { token, rawBody: '{"userName":' })).body).toMatchObject({ status: '400', scimType: 'invalidSyntax' });
      const xml = await call(world, 'POST', `/scim/v2/${tenantId}/Users`, { token, rawBody: '<x/>', headers: { 'content-type': 'application/xml' } });
      expect(xml.status).toBe(415);
    });
    it('answers 400 invalidValue to a user without userName, and mutability to a PATCH of id', async () => {
      expect((await scim.post('/Users', { schemas: [USER_SCHEMA], name: { givenName: 'x' } })).body).toMatchObject({ status: '400', scimType: 'invalidValue' });
      expect((await scim.patch(`/Users/${ids.ann}`, { schemas: [PATCH_OP], Operations: [{ op: 'replace', path: 'id', value: 'x' }] })).body).toMatchObject({ status: '400', scimType: 'mutability' });
    });
    it('skips a member id that is not a user, adds the others, and later pushes to the group still work', async () => {
      const g = await scim.post('/Groups', { schemas: [GROUP_SCHEMA], displayName: 'Lenient', members: [{ value: 'not-a-user' }] });
      expect(g.status).toBe(201);
      expect(g.body.members).toEqual([]);
      const res = await scim.patch(`/Groups/${g.body.id}`, { schemas: [PATCH_OP], Operations: [{ op: 'add', path: 'members', value: [{ value: ids.ann }, { value: 'not-a-user' }] }] });
      expect(res.status).toBe(204);
      expect((await scim.get(`/Groups/${g.body.id}`)).body.members.map((m: { value: string }) => m.value)).toEqual([ids.ann]);
      // Okta's full push names the stale id again, with a real user: both pushes succeed.
      const full = await scim.patch(`/Groups/${g.body.id}`, { schemas: [PATCH_OP], Operations: [{ op: 'replace', path: 'members', value: [{ value: ids.bob }, { value: 'not-a-user' }] }] });
      expect(full.status).toBe(204);
      const after = await scim.get(`/Groups/${g.body.id}`);
      expect(after.body.members.map((m: { value: string }) => m.value)).toEqual([ids.bob]);
      const put = await scim.put(`/Groups/${g.body.id}`, { schemas: [GROUP_SCHEMA], displayName: 'Lenient', members: [{ value: 'not-a-user' }, { value: ids.ann }] });
      expect(put.status).toBe(200);
      expect(put.body.members.map((m: { value: string }) => m.value)).toEqual([ids.ann]);
    });
    it('answers /Me with 501 and unknown endpoints with 404, both in the error schema', async () => {
      expect((await scim.get('/Me')).body).toMatchObject({ status: '501' });
      expect((await scim.get('/Nope')).body).toMatchObject({ status: '404' });
      expect((await call(world, 'PATCH', `/scim/v2/${tenantId}/Users`, { token, body: {} })).status).toBe(405);
    });
  });

  describe('discovery', () => {
    it('serves ServiceProviderConfig, Schemas and ResourceTypes', async () => {
      const spc = await scim.get('/ServiceProviderConfig');
      expect(spc.body).toMatchObject({ patch: { supported: true }, filter: { supported: true, maxResults: 200 }, etag: { supported: true }, sort: { supported: false }, bulk: { supported: false } });
      const schemas = await scim.get('/Schemas');
      expect(schemas.body.Resources.map((s: { id: string }) => s.id)).toEqual([USER_SCHEMA, ENT, GROUP_SCHEMA]);
      const userSchema = await scim.get(`/Schemas/${USER_SCHEMA}`);
      expect(userSchema.body.attributes.find((a: { name: string }) => a.name === 'userName')).toMatchObject({ caseExact: false, uniqueness: 'server', required: true });
      const types = await scim.get('/ResourceTypes');
      expect(types.body.Resources.map((t: { id: string }) => t.id)).toEqual(['User', 'Group']);
      expect((await scim.get('/ResourceTypes/Group')).body.endpoint).toBe('/Groups');
    });
  });

  describe('pagination', () => {
    it('offers RFC 9865 cursors', async () => {
      const seen: string[] = [];
      let cursor = '';
      for (let i = 0; i < 5; i++) {
        const page = await scim.get(`/Users?cursor=${encodeURIComponent(cursor)}&count=1`);
        expect(page.status).toBe(200);
        expect(page.body.totalResults).toBe(3);
        seen.push(...page.body.Resources.map((r: { id: string }) => r.id));
        if (!page.body.nextCursor) break;
        cursor = page.body.nextCursor;
      }
      expect(new Set(seen).size).toBe(3);
      expect((await scim.get('/Users?cursor=bogus&count=1')).body).toMatchObject({ status: '400', scimType: 'invalidCursor' });
    });
    it('answers POST /Users/.search like GET with a filter', async () => {
      const res = await scim.post('/Users/.search', { schemas: ['urn:ietf:params:scim:api:messages:2.0:SearchRequest'], filter: 'userName eq "ann.lee@example.com"', attributes: ['userName'], startIndex: 1, count: 10 });
      expect(res.status).toBe(200);
      expect(res.body.Resources).toEqual([{ schemas: expect.any(Array), id: ids.ann, userName: 'ann.lee@example.com' }]);
    });
    it('caps count and treats count=0 as a count-only query', async () => {
      const zero = await scim.get('/Users?count=0');
      expect(zero.body).toMatchObject({ totalResults: 3, itemsPerPage: 0, Resources: [] });
      expect((await scim.get('/Users?count=abc')).body).toMatchObject({ status: '400', scimType: 'invalidValue' });
    });
  });

  describe('lifecycle', () => {
    it('revokes the user\'s sessions on deactivation', async () => {
      const now = new Date();
      await world.adapters.sessions.put({ sessionHash: 'a'.repeat(64), tenantId, userId: ids.ann as never, kind: 'app', createdAt: now.toISOString(), lastSeenAt: now.toISOString(), expiresAt: new Date(now.getTime() + 3600_000).toISOString() });
      expect(await world.adapters.sessions.listOfUser(tenantId, ids.ann as never)).toHaveLength(1);
      await scim.patch(`/Users/${ids.ann}`, { schemas: [PATCH_OP], Operations: [{ op: 'replace', value: { active: false } }] });
      expect(await world.adapters.sessions.listOfUser(tenantId, ids.ann as never)).toHaveLength(0);
      expect((await world.adapters.users.get(tenantId, ids.ann as never))!.active).toBe(false);
    });
    it('deletes a user with its memberships', async () => {
      const u = await scim.post('/Users', oktaUser('temp.user@example.com'));
      const g = await scim.post('/Groups', { schemas: [GROUP_SCHEMA], displayName: 'Temp', members: [{ value: u.body.id }] });
      expect((await scim.delete(`/Users/${u.body.id}`)).status).toBe(204);
      expect((await scim.get(`/Users/${u.body.id}`)).status).toBe(404);
      expect((await scim.get(`/Groups/${g.body.id}`)).body.members).toEqual([]);
    });
  });
});
