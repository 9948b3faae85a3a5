import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { asGroupId, asUserId } from '../../lambdas/core/ids';
import { ADMIN_COOKIE } from '../../lambdas/admin/console/admin-session';
import { consoleAssets } from '../../lambdas/admin/console/assets';
import { issueConsoleLink } from '../../lambdas/admin/console/links';
import { UPGRADE_REQUIRED_MESSAGE, type Tenant } from '../../lambdas/core/tenancy/tenant';
import { createTestTable, type TestTable } from '../support/dynamo';
import { ADMIN_URL, API_URL, consoleHarness, cookiePair, createTenant, csrfOf, followLink, type ConsoleHarness } from './support';

describe('console pages and API', () => {
  let table: TestTable;
  let h: ConsoleHarness;
  let tenant: Tenant;
  let cookie: string;
  let headers: Record<string, string>;

  beforeAll(async () => {
    table = await createTestTable();
    h = consoleHarness(table);
    tenant = await createTenant(h.adapters, h.clock);
    const { url } = await issueConsoleLink({ tenants: h.adapters.tenants, ephemeral: h.adapters.ephemeral, adminUrl: ADMIN_URL, clock: h.clock }, tenant.id, 'admin@acme.example');
    cookie = cookiePair(await followLink(h, url), ADMIN_COOKIE)!;
    headers = { 'x-csrf-token': csrfOf(await h.request('GET', '/sso', { cookie })), origin: ADMIN_URL };
  });
  afterAll(async () => table.drop());

  it('serves pages under a CSP that allows only its own script and stylesheet', async () => {
    const ASSET_PATHS = consoleAssets().paths;
    const page = await h.request('GET', '/sso', { cookie });
    const csp = page.headers?.['content-security-policy'] ?? '';
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain('unsafe-inline');
    expect(csp).toContain("frame-ancestors 'none'");
    expect(page.body).not.toMatch(/<script>(?!<\/script>)|\sstyle="|\son\w+="/);
    expect(page.body).toContain(`src="${ASSET_PATHS.js}"`);
    const js = await h.request('GET', ASSET_PATHS.js);
    const css = await h.request('GET', ASSET_PATHS.css);
    expect(js.headers?.['content-type']).toMatch(/javascript/);
    expect(css.headers?.['cache-control']).toMatch(/immutable/);
  });

  it('shows the values to copy into Okta on the SSO page', async () => {
    const body = (await h.request('GET', '/sso', { cookie })).body!;
    for (const value of [tenant.id, `${API_URL}/saml/${tenant.id}/metadata`, `${API_URL}/saml/${tenant.id}/acs`, `${API_URL}/saml/${tenant.id}/login`, `${API_URL}/signin`]) expect(body).toContain(value);
    expect(body).toMatch(/id="update-sso" disabled/);
  });

  it('shows an API error in words, with the field it concerns', async () => {
    const empty = await h.request('PUT', '/api/sso/metadata', { cookie, headers, body: {} });
    const badXml = await h.request('PUT', '/api/sso/metadata', { cookie, headers, body: { xml: '<not-metadata/>' } });
    const noDraft = await h.request('POST', '/api/sso/activate', { cookie, headers });
    expect(empty.statusCode).toBe(400);
    expect(JSON.parse(badXml.body!).error.message).toMatch(/^Metadata/);
    expect(JSON.parse(empty.body!).error).toMatchObject({ code: 'invalid_input', message: expect.stringMatching(/metadata URL or paste/) });
    // The operator API answers the same: 412 precondition_failed (issue 8: the console said 409 before).
    expect(noDraft.statusCode).toBe(412);
    expect(JSON.parse(noDraft.body!).error).toMatchObject({ code: 'precondition_failed', message: expect.stringMatching(/draft/) });
  });

  it('returns a SCIM token once: never in the SCIM page or API afterwards', async () => {
    await h.request('POST', '/api/scim/enable', { cookie, headers });
    const created = await h.request('POST', '/api/scim/tokens', { cookie, headers });
    const { token } = JSON.parse(created.body!);
    expect(token).toMatch(/^natoma_scim_/);
    const page = await h.request('GET', '/scim', { cookie });
    const api = await h.request('GET', '/api/scim', { cookie });
    expect(page.body).not.toContain(token);
    expect(api.body).not.toContain(token);
    expect(JSON.parse(api.body!).tokens).toHaveLength(1);
  });

  it('lists users with their source and groups, searchable and paginated', async () => {
    const now = h.clock.now().toISOString();
    for (let i = 0; i < 30; i++) {
      await h.adapters.users.create({ tenantId: tenant.id, id: asUserId(`user-${String(i).padStart(2, '0')}`), userName: `person${i}@acme.example`, displayName: `Person ${i}`, active: i % 7 !== 0, emails: [{ value: `person${i}@acme.example`, primary: true }], profile: {}, source: i % 2 ? 'scim' : 'jit', isAdmin: false, createdAt: now, updatedAt: now, version: 1 });
    }
    await h.adapters.groups.create({ tenantId: tenant.id, id: asGroupId('g-eng'), displayName: 'Engineering', profile: {}, memberCount: 0, createdAt: now, updatedAt: now, version: 1 });
    await h.adapters.groups.addMembers(tenant.id, asGroupId('g-eng'), [asUserId('user-03')]);
    const first = await h.request('GET', '/api/users', { cookie });
    const firstPage = JSON.parse(first.body!);
    expect(firstPage.users).toHaveLength(25);
    expect(firstPage.total).toBe(31);
    const second = JSON.parse((await h.request('GET', '/api/users', { cookie, query: { cursor: firstPage.next } })).body!);
    expect(second.users).toHaveLength(6);
    const exact = JSON.parse((await h.request('GET', '/api/users', { cookie, query: { q: 'PERSON3@acme.example' } })).body!);
    expect(exact.users.map((u: { id: string }) => u.id)).toEqual(['user-03']);
    expect(exact.users[0].groups[0].displayName).toBe('Engineering');
    expect(exact.users[0].source).toBe('scim');
    const partial = JSON.parse((await h.request('GET', '/api/users', { cookie, query: { q: 'person 2' } })).body!);
    expect(partial.users.length).toBeGreaterThanOrEqual(10);
    const html = (await h.request('GET', '/users', { cookie, query: { q: 'person3@acme.example' } })).body!;
    expect(html).toContain('Engineering');
    expect(html).toContain('SCIM');
    const detail = await h.request('GET', '/users/user-03', { cookie });
    expect(detail.statusCode).toBe(200);
    expect(detail.body).toContain('person3@acme.example');
  });

  it('lists activity newest first and filters it by category', async () => {
    const all = JSON.parse((await h.request('GET', '/api/activity', { cookie })).body!).events as Array<{ at: string; category: string; type: string }>;
    expect(all.length).toBeGreaterThan(2);
    expect([...all].sort((x, y) => y.at.localeCompare(x.at)).map((e) => e.at)).toEqual(all.map((e) => e.at));
    // One category of the log is a GSI (eventually consistent by design): an admin sees the events on the next load.
    await table.settle();
    const signIns = JSON.parse((await h.request('GET', '/api/activity', { cookie, query: { category: 'sign-in' } })).body!).events as Array<{ category: string }>;
    expect(signIns.length).toBeGreaterThan(0);
    expect(signIns.every((e) => e.category === 'sign-in')).toBe(true);
    const page = await h.request('GET', '/activity', { cookie, query: { category: 'admin' } });
    expect(page.body).toContain('scim.token.created');
  });

  it('says which controls a trial needs to upgrade for', async () => {
    const plan = await h.request('GET', '/plan', { cookie });
    expect(plan.body).toMatch(/Free trial/);
    expect(plan.body).toMatch(/Activating SAML/);
    const sso = await h.request('GET', '/sso', { cookie });
    expect(sso.body).toMatch(/class="blocked" id="update-help">SAML single sign-on together with SCIM provisioning needs a paid plan/);
  });

  it('answers 402 plan_required, as the operator API does, when a trial with active SAML turns SCIM on', async () => {
    const active = { configId: 'c1', entityId: 'https://idp.example', signingCertificates: [], wantAuthnRequestsSigned: false, importedAt: h.clock.now().toISOString() };
    const trial = await createTenant(h.adapters, h.clock, { sso: { ...tenant.sso, active } });
    const { url } = await issueConsoleLink({ tenants: h.adapters.tenants, ephemeral: h.adapters.ephemeral, adminUrl: ADMIN_URL, clock: h.clock }, trial.id, 'admin@trial.example');
    const trialCookie = cookiePair(await followLink(h, url), ADMIN_COOKIE)!;
    const trialHeaders = { 'x-csrf-token': csrfOf(await h.request('GET', '/scim', { cookie: trialCookie })), origin: ADMIN_URL };
    const refused = await h.request('POST', '/api/scim/enable', { cookie: trialCookie, headers: trialHeaders });
    expect(refused.statusCode).toBe(402);
    expect(JSON.parse(refused.body!).error).toEqual({ code: 'plan_required', message: UPGRADE_REQUIRED_MESSAGE });
    expect((await h.adapters.tenants.get(trial.id))?.scim.enabled).toBe(false);
  });

  it('answers a console page error with a page in words, and an unknown API route with JSON', async () => {
    const missingUser = await h.request('GET', '/users/nobody-here', { cookie });
    expect(missingUser.statusCode).toBe(404);
    expect(missingUser.headers?.['content-type']).toMatch(/^text\/html/);
    expect(missingUser.body).toContain('There is no such user in this tenant.');
    const wrongMethod = await h.request('POST', '/sso', { cookie });
    expect(wrongMethod.statusCode).toBe(405);
    expect(wrongMethod.headers?.allow).toContain('GET');
    const unknown = await h.request('GET', '/api/nothing', { cookie });
    expect(unknown.statusCode).toBe(404);
    expect(JSON.parse(unknown.body!).error.code).toBe('not_found');
  });

  it('revokes a user\'s session from the user page', async () => {
    const before = JSON.parse((await h.request('GET', `/api/session`, { cookie })).body!);
    const other = await issueConsoleLink({ tenants: h.adapters.tenants, ephemeral: h.adapters.ephemeral, adminUrl: ADMIN_URL, clock: h.clock }, tenant.id, 'second@acme.example');
    const secondCookie = cookiePair(await followLink(h, other.url), ADMIN_COOKIE)!;
    const second = JSON.parse((await h.request('GET', '/api/session', { cookie: secondCookie })).body!);
    const detail = JSON.parse((await h.request('GET', `/api/users/${second.userId}`, { cookie })).body!);
    expect(detail.sessions).toHaveLength(1);
    expect(detail.sessions[0].id).toMatch(/^[0-9a-f]{16}$/);
    const revoked = await h.request('DELETE', `/api/users/${second.userId}/sessions/${detail.sessions[0].id}`, { cookie, headers });
    expect(revoked.statusCode).toBe(200);
    expect((await h.request('GET', '/api/session', { cookie: secondCookie })).statusCode).toBe(401);
    const self = await h.request('PUT', `/api/users/${before.userId}/admin`, { cookie, headers, body: { isAdmin: false } });
    expect(self.statusCode).toBe(403);
  });
});
