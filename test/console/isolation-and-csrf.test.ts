import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { asGroupId, asUserId, type TenantId } from '../../lambdas/core/ids';
import type { User } from '../../lambdas/core/identity/user';
import { ADMIN_COOKIE } from '../../lambdas/admin/console/admin-session';
import { issueConsoleLink } from '../../lambdas/admin/console/links';
import { sha256Hex } from '../../lambdas/core/digest';
import type { Tenant } from '../../lambdas/core/tenancy/tenant';
import { createTestTable, type TestTable } from '../support/dynamo';
import { ADMIN_URL, consoleHarness, cookiePair, createTenant, csrfOf, followLink, type ConsoleHarness } from './support';

describe('console tenant isolation and CSRF', () => {
  let table: TestTable;
  let h: ConsoleHarness;
  let a: Tenant;
  let b: Tenant;
  let cookieA: string;
  let csrfA: string;
  let userB: User;
  let tokenB: string;

  const signIn = async (tenantId: TenantId, email: string) => {
    const { url } = await issueConsoleLink({ tenants: h.adapters.tenants, ephemeral: h.adapters.ephemeral, adminUrl: ADMIN_URL, clock: h.clock }, tenantId, email);
    const result = await followLink(h, url);
    return cookiePair(result, ADMIN_COOKIE)!;
  };

  beforeAll(async () => {
    table = await createTestTable();
    h = consoleHarness(table);
    a = await createTenant(h.adapters, h.clock, { plan: 'paid' });
    b = await createTenant(h.adapters, h.clock, { plan: 'paid' });
    cookieA = await signIn(a.id, 'admin@a.example');
    const cookieB = await signIn(b.id, 'admin@b.example');
    csrfA = csrfOf(await h.request('GET', '/sso', { cookie: cookieA }));
    const now = h.clock.now().toISOString();
    userB = { tenantId: b.id, id: asUserId('b-user-1'), userName: 'secret.person@b.example', active: true, emails: [{ value: 'secret.person@b.example', primary: true }], profile: {}, source: 'scim', isAdmin: false, createdAt: now, updatedAt: now, version: 1 };
    await h.adapters.users.create(userB);
    await h.adapters.groups.create({ tenantId: b.id, id: asGroupId('b-group-1'), displayName: 'B Secret Group', profile: {}, memberCount: 0, createdAt: now, updatedAt: now, version: 1 });
    await h.adapters.sessions.put({ sessionHash: sha256Hex('b-app-session'), tenantId: b.id, userId: userB.id, kind: 'app', createdAt: now, lastSeenAt: now, expiresAt: new Date(Date.parse(now) + 3_600_000).toISOString() });
    const csrfB = csrfOf(await h.request('GET', '/sso', { cookie: cookieB }));
    const bHeaders = { 'x-csrf-token': csrfB, origin: ADMIN_URL };
    expect((await h.request('POST', '/api/scim/enable', { cookie: cookieB, headers: bHeaders })).statusCode).toBe(200);
    const created = await h.request('POST', '/api/scim/tokens', { cookie: cookieB, headers: bHeaders });
    tokenB = JSON.parse(created.body!).tokenId;
  });
  afterAll(async () => table.drop());

  const withCsrf = { 'x-csrf-token': '', origin: ADMIN_URL };
  const headersA = () => ({ ...withCsrf, 'x-csrf-token': csrfA });

  it('never shows tenant B on any page of tenant A, whatever the query says', async () => {
    for (const page of ['/sso', '/scim', '/plan', '/users', '/groups', '/activity']) {
      const result = await h.request('GET', page, { cookie: cookieA, query: { tenantId: b.id, tenant: b.id, q: 'secret' } });
      expect(result.statusCode, page).toBe(200);
      expect(result.body, page).toContain(a.id);
      expect(result.body, page).not.toContain(b.id);
      expect(result.body, page).not.toMatch(/secret\.person|B Secret Group/);
    }
  });

  it('answers 404 for tenant B\'s user, by page and by API', async () => {
    expect((await h.request('GET', `/users/${userB.id}`, { cookie: cookieA })).statusCode).toBe(404);
    expect((await h.request('GET', `/api/users/${userB.id}`, { cookie: cookieA })).statusCode).toBe(404);
    const lists = await h.request('GET', '/api/users', { cookie: cookieA, query: { q: 'secret.person@b.example' } });
    expect(JSON.parse(lists.body!).users).toEqual([]);
  });

  it('cannot change tenant B: sessions, admin flag, tokens', async () => {
    const revoke = await h.request('DELETE', `/api/users/${userB.id}/sessions`, { cookie: cookieA, headers: headersA() });
    const promote = await h.request('PUT', `/api/users/${userB.id}/admin`, { cookie: cookieA, headers: headersA(), body: { isAdmin: true } });
    const revokeToken = await h.request('DELETE', `/api/scim/tokens/${tokenB}`, { cookie: cookieA, headers: headersA() });
    expect([revoke.statusCode, promote.statusCode, revokeToken.statusCode]).toEqual([404, 404, 404]);
    expect((await h.adapters.sessions.listOfUser(b.id, userB.id)).length).toBe(1);
    expect((await h.adapters.users.get(b.id, userB.id))?.isAdmin).toBe(false);
    expect((await h.adapters.scimTokens.list(b.id)).map((t) => t.tokenId)).toEqual([tokenB]);
  });

  it('acts only on the session\'s tenant when it changes settings', async () => {
    const result = await h.request('POST', '/api/scim/enable', { cookie: cookieA, headers: headersA(), body: { tenantId: b.id }, query: { tenantId: b.id } });
    expect(result.statusCode).toBe(200);
    expect(JSON.parse(result.body!).tenantId).toBe(a.id);
    expect((await h.adapters.tenants.get(a.id))?.scim.enabled).toBe(true);
    const disable = await h.request('POST', '/api/scim/disable', { cookie: cookieA, headers: headersA() });
    expect(disable.statusCode).toBe(200);
    expect((await h.adapters.tenants.get(b.id))?.scim.enabled).toBe(true);
  });

  it('refuses every state-changing request without the session\'s CSRF token', async () => {
    const attempts: Array<[string, string, unknown?]> = [
      ['POST', '/api/scim/enable'],
      ['POST', '/api/scim/tokens'],
      ['PUT', '/api/sso/metadata', { url: 'http://127.0.0.1:1/metadata' }],
      ['PATCH', '/api/sso/settings', { jitProvisioning: false }],
      ['POST', '/api/sso/test'],
      ['DELETE', '/api/users/x/sessions'],
    ];
    for (const [method, path, body] of attempts) {
      const missing = await h.request(method, path, { cookie: cookieA, headers: { origin: ADMIN_URL }, body });
      const wrong = await h.request(method, path, { cookie: cookieA, headers: { origin: ADMIN_URL, 'x-csrf-token': 'x'.repeat(43) }, body });
      const otherSession = await h.request(method, path, { cookie: cookieA, headers: { origin: ADMIN_URL, 'x-csrf-token': csrfOf(await h.request('GET', '/sso', { cookie: await signIn(a.id, 'other@a.example') })) }, body });
      for (const result of [missing, wrong, otherSession]) {
        expect(result.statusCode, `${method} ${path}`).toBe(403);
        expect(JSON.parse(result.body!).error.code).toBe('csrf');
      }
    }
    expect((await h.adapters.tenants.get(a.id))?.scim.enabled).toBe(false);
    expect((await h.adapters.tenants.get(a.id))?.sso.jitProvisioning).toBe(true);
  });

  it('refuses a state-changing request from another origin even with the token', async () => {
    const crossOrigin = await h.request('POST', '/api/scim/enable', { cookie: cookieA, headers: { 'x-csrf-token': csrfA, origin: 'https://evil.example' } });
    const crossSite = await h.request('POST', '/api/scim/enable', { cookie: cookieA, headers: { 'x-csrf-token': csrfA, 'sec-fetch-site': 'cross-site' } });
    expect(crossOrigin.statusCode).toBe(403);
    expect(crossSite.statusCode).toBe(403);
  });

  it('answers the API with 401 and pages with a redirect to sign-in when there is no session', async () => {
    expect((await h.request('GET', '/api/sso')).statusCode).toBe(401);
    expect((await h.request('POST', '/api/scim/enable', { headers: { 'x-csrf-token': csrfA } })).statusCode).toBe(401);
    expect((await h.request('GET', '/users', { cookie: `${ADMIN_COOKIE}=forged` })).headers?.location).toBe('/login');
  });
});
