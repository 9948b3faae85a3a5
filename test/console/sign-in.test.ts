import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { asUserId } from '../../lambdas/core/ids';
import { ADMIN_COOKIE } from '../../lambdas/admin/console/admin-session';
import { issueConsoleLink } from '../../lambdas/admin/console/links';
import { adminGrantKey as adminLinkKey } from '../../lambdas/core/sessions/admin-grants';
import { newSecret } from '../../lambdas/core/digest';
import { createTestTable, type TestTable } from '../support/dynamo';
import { ADMIN_URL, consoleHarness, cookiePair, createTenant, csrfOf, followLink, type ConsoleHarness } from './support';

const MINUTE = 60_000;

describe('console sign-in', () => {
  let table: TestTable;
  let h: ConsoleHarness;
  beforeAll(async () => {
    table = await createTestTable();
    h = consoleHarness(table);
  });
  afterAll(async () => table.drop());

  const link = async (tenantId: string, email: string) => {
    const { url } = await issueConsoleLink({ tenants: h.adapters.tenants, ephemeral: h.adapters.ephemeral, activity: h.adapters.activity, adminUrl: ADMIN_URL, clock: h.clock }, tenantId, email);
    return new URL(url);
  };
  const signInWith = async (url: URL) => followLink(h, url);

  it('signs an admin in with a one-time link, and the link works only once', async () => {
    // Prepare
    const tenant = await createTenant(h.adapters, h.clock);
    const url = await link(tenant.id, 'ops@acme.example');
    // Act
    const first = await signInWith(url);
    const second = await signInWith(url);
    // Assess
    expect(url.origin).toBe(ADMIN_URL);
    expect(first.statusCode).toBe(302);
    expect(first.headers?.location).toBe('/sso');
    const setCookie = first.cookies?.find((c) => c.startsWith(`${ADMIN_COOKIE}=`)) ?? '';
    expect(setCookie).toMatch(/HttpOnly/);
    expect(setCookie).toMatch(/SameSite=(Lax|Strict)/);
    expect(second.statusCode).toBe(400);
    expect(second.body).toMatch(/already been used or has expired/);
    const page = await h.request('GET', '/sso', { cookie: cookiePair(first, ADMIN_COOKIE) });
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain(tenant.id);
  });

  it('shows who signs in where on GET, and spends the link only on the Continue POST (a prefetch burns nothing)', async () => {
    const tenant = await createTenant(h.adapters, h.clock);
    const url = await link(tenant.id, 'scan@acme.example');
    const token = url.searchParams.get('token')!;
    // A mail or chat scanner prefetches the link, twice.
    for (let i = 0; i < 2; i++) {
      const page = await h.request('GET', '/login', { query: { token } });
      expect(page.statusCode).toBe(200);
      expect(page.cookies ?? []).toHaveLength(0);
      expect(page.body).toContain(`<strong data-field="tenant">${tenant.name}</strong>`);
      expect(page.body).toContain('<strong data-field="email">scan@acme.example</strong>');
      expect(page.body).toMatch(/<form method="post" action="\/login"><input type="hidden" name="token" value="[A-Za-z0-9_-]{43}"><button type="submit">Continue<\/button>/);
    }
    const signedIn = await followLink(h, url);
    expect(signedIn.statusCode).toBe(302);
    expect(cookiePair(signedIn, ADMIN_COOKIE)).toBeDefined();
  });

  it('refuses a cross-site completion of the Continue POST without spending the link', async () => {
    const tenant = await createTenant(h.adapters, h.clock);
    const url = await link(tenant.id, 'csrf@acme.example');
    const token = url.searchParams.get('token')!;
    const attempts: Record<string, string>[] = [{ origin: 'https://evil.example' }, { 'sec-fetch-site': 'cross-site' }, { origin: 'null', 'sec-fetch-site': 'cross-site' }, { origin: ADMIN_URL, 'sec-fetch-site': 'same-site' }];
    for (const headers of attempts) {
      const refused = await h.request('POST', '/login', { form: { token }, headers });
      expect(refused.statusCode, JSON.stringify(headers)).toBe(403);
      expect(refused.cookies ?? []).toHaveLength(0);
      expect(refused.body).toContain('sent from another site');
    }
    expect((await followLink(h, url)).statusCode).toBe(302);
  });

  it('stores only the SHA-256 of the link secret, under admin-link:', async () => {
    const tenant = await createTenant(h.adapters, h.clock);
    const url = await link(tenant.id, 'hash@acme.example');
    const code = url.searchParams.get('token')!;
    expect(code).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(await h.adapters.ephemeral.get(`admin-link:${code}`)).toBeUndefined();
    const stored = JSON.parse((await h.adapters.ephemeral.get(adminLinkKey(code)))!);
    expect(stored).toEqual({ via: 'link', tenantId: tenant.id, email: 'hash@acme.example' });
  });

  it('refuses a link after 15 minutes', async () => {
    const tenant = await createTenant(h.adapters, h.clock);
    const url = await link(tenant.id, 'late@acme.example');
    h.clock.advance(16 * MINUTE);
    const result = await signInWith(url);
    expect(result.statusCode).toBe(400);
    expect(result.cookies ?? []).toHaveLength(0);
  });

  it('refuses unknown or malformed tokens without a session', async () => {
    for (const token of [newSecret(), 'short', '<script>']) {
      const result = await followLink(h, `/login?token=${encodeURIComponent(token)}`);
      expect(result.statusCode).toBe(400);
      expect(result.cookies ?? []).toHaveLength(0);
      expect(result.body).not.toContain('<script>');
    }
  });

  it('makes the linked address an admin, creating the user when needed', async () => {
    const tenant = await createTenant(h.adapters, h.clock);
    await signInWith(await link(tenant.id, 'New.Admin@acme.example'));
    const user = await h.adapters.users.findByUserName(tenant.id, 'new.admin@acme.example');
    expect(user?.isAdmin).toBe(true);
    expect(user?.active).toBe(true);
  });

  it('refuses an SSO grant for a user who is not an admin, and accepts one for an admin', async () => {
    const tenant = await createTenant(h.adapters, h.clock);
    const now = h.clock.now().toISOString();
    const base = { tenantId: tenant.id, active: true, emails: [], profile: {}, source: 'jit' as const, createdAt: now, updatedAt: now, version: 1 };
    await h.adapters.users.create({ ...base, id: asUserId('u-plain'), userName: 'plain@acme.example', isAdmin: false });
    await h.adapters.users.create({ ...base, id: asUserId('u-admin'), userName: 'boss@acme.example', isAdmin: true });
    const grant = async (userId: string, email: string) => {
      const code = newSecret();
      await h.adapters.ephemeral.put(adminLinkKey(code), JSON.stringify({ tenantId: tenant.id, userId, email, via: 'sso' }), new Date(h.clock.now().getTime() + 5 * MINUTE));
      return followLink(h, `/login?token=${code}`);
    };
    const refused = await grant('u-plain', 'plain@acme.example');
    const accepted = await grant('u-admin', 'boss@acme.example');
    expect(refused.statusCode).toBe(403);
    expect(refused.body).toMatch(/not an administrator/);
    expect(accepted.statusCode).toBe(302);
    // One category of the log is a GSI (eventually consistent by design): an admin sees the events on the next load.
    await table.settle();
    const events = await h.adapters.activity.list(tenant.id, { limit: 10, category: 'sign-in' });
    expect(events.items.map((e) => e.type)).toEqual(expect.arrayContaining(['console.login.failed', 'console.login.succeeded']));
  });

  it('ends a session idle for more than 30 minutes, and any session after 12 hours', async () => {
    const tenant = await createTenant(h.adapters, h.clock);
    const idle = cookiePair(await signInWith(await link(tenant.id, 'idle@acme.example')), ADMIN_COOKIE);
    const busy = cookiePair(await signInWith(await link(tenant.id, 'busy@acme.example')), ADMIN_COOKIE);
    // busy keeps working every 20 minutes; idle does nothing.
    h.clock.advance(20 * MINUTE);
    expect((await h.request('GET', '/api/session', { cookie: busy })).statusCode).toBe(200);
    h.clock.advance(11 * MINUTE);
    expect((await h.request('GET', '/api/session', { cookie: idle })).statusCode).toBe(401);
    expect((await h.request('GET', '/sso', { cookie: idle })).headers?.location).toBe('/login');
    for (let elapsed = 31; elapsed < 12 * 60 - 20; elapsed += 20) {
      expect((await h.request('GET', '/api/session', { cookie: busy })).statusCode).toBe(200);
      h.clock.advance(20 * MINUTE);
    }
    h.clock.advance(25 * MINUTE);
    expect((await h.request('GET', '/api/session', { cookie: busy })).statusCode).toBe(401);
  });

  it('treats a malformed session cookie as no session: sign-in page, 401, never a 5xx', async () => {
    for (const cookie of [`${ADMIN_COOKIE}=%`, `${ADMIN_COOKIE}=%E0%A4%A`, `${ADMIN_COOKIE}="unterminated`]) {
      const page = await h.request('GET', '/sso', { cookie });
      expect(page.statusCode, cookie).toBe(302);
      expect(page.headers?.location).toBe('/login');
      const api = await h.request('GET', '/api/session', { cookie });
      expect(api.statusCode, cookie).toBe(401);
      expect(JSON.parse(api.body!).error.code).toBe('unauthorized');
      expect((await h.request('POST', '/logout', { cookie, form: {} })).headers?.location).toBe('/login?signedOut=1');
    }
  });

  it('signs out: the session is revoked server-side and the cookie cleared', async () => {
    const tenant = await createTenant(h.adapters, h.clock);
    const cookie = cookiePair(await signInWith(await link(tenant.id, 'bye@acme.example')), ADMIN_COOKIE);
    const page = await h.request('GET', '/sso', { cookie });
    const withoutToken = await h.request('POST', '/logout', { cookie, form: {} });
    expect(withoutToken.statusCode).toBe(403);
    const out = await h.request('POST', '/logout', { cookie, form: { csrf: csrfOf(page) }, headers: { origin: ADMIN_URL } });
    expect(out.statusCode).toBe(302);
    expect(out.cookies?.[0]).toMatch(/Max-Age=0/);
    expect((await h.request('GET', '/api/session', { cookie })).statusCode).toBe(401);
  });

  it('refuses a cross-site sign-out without touching the session or the cookie', async () => {
    const tenant = await createTenant(h.adapters, h.clock);
    const cookie = cookiePair(await signInWith(await link(tenant.id, 'stay@acme.example')), ADMIN_COOKIE);
    for (const headers of [{ origin: 'https://evil.example' }, { 'sec-fetch-site': 'cross-site' }] as Record<string, string>[]) {
      const out = await h.request('POST', '/logout', { cookie, form: {}, headers });
      expect(out.statusCode).toBe(403);
      expect(out.cookies ?? []).toEqual([]);
      // Without the session cookie (SameSite=Lax keeps it off a cross-site POST) the cookie is not cleared either.
      expect((await h.request('POST', '/logout', { form: {}, headers })).cookies ?? []).toEqual([]);
    }
    expect((await h.request('GET', '/api/session', { cookie })).statusCode).toBe(200);
  });

  it('sends "Sign in with SSO" to the tenant\'s initiate-login URL only when SAML is active', async () => {
    const inactive = await createTenant(h.adapters, h.clock);
    const refused = await h.request('GET', '/login/sso', { query: { who: `jane@${inactive.domains[0]}` } });
    expect(refused.statusCode).toBe(404);
    const active = await createTenant(h.adapters, h.clock, {
      sso: { allowIdpInitiated: true, jitProvisioning: true, clockSkewSec: 120, active: { configId: 'c1', entityId: 'idp', signingCertificates: [], wantAuthnRequestsSigned: false, importedAt: h.clock.now().toISOString() } },
    });
    const byEmail = await h.request('GET', '/login/sso', { query: { who: `jane@${active.domains[0]}` } });
    const byId = await h.request('GET', '/login/sso', { query: { who: active.id } });
    expect(byEmail.statusCode).toBe(302);
    expect(byEmail.headers?.location).toMatch(new RegExp(`^http://127\\.0\\.0\\.1:3000/saml/${active.id}/login\\?for=admin`));
    expect(byId.headers?.location).toContain(`/saml/${active.id}/login?for=admin`);
  });

  it('issues links on the operator API: POST /operator/tenants/{id}/console-links', async () => {
    const tenant = await createTenant(h.adapters, h.clock);
    const issue = (email: string, iam = true) => h.request('POST', `/operator/tenants/${tenant.id}/console-links`, { body: { email }, iam });
    const result = await issue('op@acme.example');
    expect(result.statusCode).toBe(201);
    const { url } = JSON.parse(result.body!);
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:3001\/login\?token=[A-Za-z0-9_-]{43}$/);
    const bad = await issue('not-an-address');
    expect(bad.statusCode).toBe(400);
    expect(JSON.parse(bad.body!).error).toMatchObject({ code: 'invalid_input', message: expect.stringMatching(/not an email address/) });
    // The console's public URL carries no IAM authorizer: the operator route refuses it.
    expect((await issue('op@acme.example', false)).statusCode).toBe(403);
  });
});
