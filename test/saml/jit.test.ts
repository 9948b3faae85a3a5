import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { asUserId } from '../../lambdas/core/ids';
import type { User } from '../../lambdas/core/identity/user';
import { sha256Hex } from '../../lambdas/core/digest';
import { createSamlWorld, httpEvent, sessionCookieOf, SESSION, type SamlWorld } from './support/harness';

describe('just-in-time provisioning, inactive users and admin sign-in with SSO', () => {
  let world: SamlWorld;
  beforeAll(async () => (world = await createSamlWorld()));
  afterAll(async () => world.drop());

  const login = async (tenant: Awaited<ReturnType<SamlWorld['tenant']>>, nameId: string, attributes: Record<string, string>) =>
    world.postAcs(tenant.id, await world.idp.response({ acsUrl: tenant.urls.acsUrl, audience: tenant.urls.spEntityId, inResponseTo: await world.startLogin(nameId), nameId, attributes }));

  const existingUser = async (tenantId: string, userName: string, over: Partial<User> = {}): Promise<User> => {
    const now = new Date().toISOString();
    const user: User = { tenantId: tenantId as User['tenantId'], id: asUserId(crypto.randomUUID()), userName, active: true, displayName: 'Provisioned Name', name: { givenName: 'Provisioned', familyName: 'Name' }, emails: [{ value: userName, primary: true }], profile: {}, source: 'scim', isAdmin: false, createdAt: now, updatedAt: now, version: 1, ...over };
    await world.store.users.create(user);
    return user;
  };

  it('falls back to firstName/lastName when there is no name attribute, and to the NameID for the email', async () => {
    const tenant = await world.tenant();
    const email = `ivy@${tenant.domains[0]}`;
    expect((await login(tenant, email, { firstName: 'Ivy', lastName: 'Green' })).statusCode).toBe(303);
    expect(await world.store.users.findByUserName(tenant.id, email)).toMatchObject({ displayName: 'Ivy Green', name: { givenName: 'Ivy', familyName: 'Green' }, source: 'jit' });
  });

  it('refreshes a JIT user’s name on a later login', async () => {
    const tenant = await world.tenant();
    const email = `jo@${tenant.domains[0]}`;
    await login(tenant, email, { email, name: 'Jo Old' });
    await login(tenant, email, { email, name: 'Jo New' });
    expect((await world.store.users.findByUserName(tenant.id, email))?.displayName).toBe('Jo New');
  });

  it('never overwrites the profile of a SCIM-managed user', async () => {
    const tenant = await world.tenant();
    const email = `kim@${tenant.domains[0]}`;
    const user = await existingUser(tenant.id, email);
    const result = await login(tenant, email, { email, name: 'Changed At IdP' });
    expect(result.statusCode).toBe(303);
    const session = await world.store.sessions.get(sha256Hex(sessionCookieOf(result)!));
    expect(session?.userId).toBe(user.id);
    expect((await world.store.users.get(tenant.id, user.id))?.displayName).toBe('Provisioned Name');
  });

  it('refuses a user deactivated by SCIM', async () => {
    const tenant = await world.tenant();
    const email = `lee@${tenant.domains[0]}`;
    await existingUser(tenant.id, email, { active: false });
    const result = await login(tenant, email, { email, name: 'Lee' });
    expect(result.statusCode).toBe(403);
    expect(sessionCookieOf(result)).toBeUndefined();
    expect(result.body).toContain('deactivated');
  });

  it('refuses unknown users clearly when JIT is off, and still lets known users in', async () => {
    const tenant = await world.tenant({ jitProvisioning: false });
    const stranger = await login(tenant, `new@${tenant.domains[0]}`, { email: `new@${tenant.domains[0]}` });
    expect(stranger.statusCode).toBe(403);
    expect(stranger.body).toContain('do not have an account');
    expect(await world.store.users.findByUserName(tenant.id, `new@${tenant.domains[0]}`)).toBeUndefined();
    await existingUser(tenant.id, `known@${tenant.domains[0]}`);
    expect((await login(tenant, `known@${tenant.domains[0]}`, { email: `known@${tenant.domains[0]}` })).statusCode).toBe(303);
  });

  it('matches the email case-insensitively to an existing user', async () => {
    const tenant = await world.tenant();
    const user = await existingUser(tenant.id, `mo@${tenant.domains[0]}`);
    const result = await login(tenant, `MO@${tenant.domains[0]!.toUpperCase()}`, { email: `Mo@${tenant.domains[0]}` });
    expect((await world.store.sessions.get(sha256Hex(sessionCookieOf(result)!)))?.userId).toBe(user.id);
  });

  it('shows the user’s groups on the dashboard', async () => {
    const tenant = await world.tenant();
    const user = await existingUser(tenant.id, `ned@${tenant.domains[0]}`);
    const now = new Date().toISOString();
    const group = { tenantId: tenant.id, id: crypto.randomUUID() as never, displayName: 'Engineering', profile: {}, memberCount: 0, createdAt: now, updatedAt: now, version: 1 };
    await world.store.groups.create(group);
    await world.store.groups.addMembers(tenant.id, group.id, [user.id]);
    const cookie = sessionCookieOf(await login(tenant, user.userName, { email: user.userName }))!;
    const dashboard = await world.handle(httpEvent('GET', '/dashboard', { cookies: [`${SESSION}=${cookie}`] }));
    expect(dashboard.body).toContain('Engineering');
  });

  it('sends a tenant admin to the console with a one-time code (admin sign-in with SSO)', async () => {
    const tenant = await world.tenant();
    const admin = await existingUser(tenant.id, `ola@${tenant.domains[0]}`, { isAdmin: true });
    const start = await world.handle(httpEvent('GET', `/saml/${tenant.id}/login`, { query: { for: 'admin' } }));
    const { authnRequestOf } = await import('./support/harness');
    const requestId = authnRequestOf(start.headers!.location!).id;
    const result = await world.postAcs(tenant.id, await world.idp.response({ acsUrl: tenant.urls.acsUrl, audience: tenant.urls.spEntityId, inResponseTo: requestId, nameId: admin.userName, attributes: { email: admin.userName } }));
    // A page on the API origin that continues to the console (a redirect of the IdP's POST would fall under the IdP page's form-action).
    expect(result.statusCode).toBe(200);
    expect(result.headers?.location).toBeUndefined();
    expect(result.headers?.['referrer-policy']).toBe('no-referrer');
    expect(result.headers?.['cache-control']).toBe('no-store');
    const href = /<a id="continue" href="([^"]+)"/.exec(result.body ?? '')![1]!.replace(/&amp;/g, '&');
    expect(result.body).toContain(`<meta http-equiv="refresh" content="0;url=${href.replace(/&/g, '&amp;')}">`);
    const location = new URL(href);
    expect(location.origin + location.pathname).toBe('https://admin.natoma.test/login');
    const code = location.searchParams.get('token')!;
    expect(JSON.parse((await world.store.ephemeral.take(`admin-link:${sha256Hex(code)}`))!)).toMatchObject({ tenantId: tenant.id, userId: admin.id, via: 'sso' });
    expect(sessionCookieOf(result)).toBeUndefined();
  });

  it('refuses admin sign-in with SSO for a user who is not an admin', async () => {
    const tenant = await world.tenant();
    const user = await existingUser(tenant.id, `pat@${tenant.domains[0]}`);
    const start = await world.handle(httpEvent('GET', `/saml/${tenant.id}/login`, { query: { for: 'admin' } }));
    const { authnRequestOf } = await import('./support/harness');
    const result = await world.postAcs(tenant.id, await world.idp.response({ acsUrl: tenant.urls.acsUrl, audience: tenant.urls.spEntityId, inResponseTo: authnRequestOf(start.headers!.location!).id, nameId: user.userName, attributes: { email: user.userName } }));
    expect(result.statusCode).toBe(403);
    expect(result.body).toContain('Not an administrator');
    expect(result.body).toContain('href="https://admin.natoma.test/login"');
  });
});
