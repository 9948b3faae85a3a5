import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sha256Hex } from '../../lambdas/core/digest';
import type { DirectoryEvent } from '../../lambdas/core/events/directory-event';
import { oidcSid } from '../../lambdas/core/sessions/sid';
import { createSamlWorld, httpEvent, API, SESSION, sessionCookieOf, type SamlWorld } from '../saml/support/harness';
import { readTableEvents } from './support';

/** Real SAML sign-ins through the SAML handler; events read from the table's stream by the twin's reader. */
describe('directory events of SAML sign-ins, logout and SSO activation', () => {
  let world: SamlWorld;
  let reader: Awaited<ReturnType<typeof readTableEvents>>;
  let tenant: Awaited<ReturnType<SamlWorld['tenant']>>;

  beforeAll(async () => {
    world = await createSamlWorld({ stream: true });
    reader = await readTableEvents(world.table.endpoint, world.table.tableName);
    tenant = await world.tenant({ allowIdpInitiated: true });
  });
  afterAll(async () => {
    await reader.cleanup();
    await world.drop();
  });

  const eventsOf = async <T>(change: () => Promise<T>, expected: number): Promise<{ result: T; events: DirectoryEvent[] }> => {
    const before = reader.sink.ofTenant(tenant.id).length;
    const result = await change();
    if (expected > 0) await reader.sink.waitFor(() => reader.sink.ofTenant(tenant.id).length >= before + expected);
    await new Promise((resolve) => setTimeout(resolve, 500));
    return { result, events: reader.sink.ofTenant(tenant.id).slice(before) };
  };
  const login = async (email: string) => world.postAcs(tenant.id, await world.idp.response({ acsUrl: tenant.urls.acsUrl, audience: tenant.urls.spEntityId, nameId: email, attributes: { email, name: 'Fay Ng' } }));

  it('activating the SSO configuration is one event', async () => {
    const events = await reader.sink.waitFor(() => reader.sink.ofTenant(tenant.id).length >= 1);
    const activated = events.filter((event) => event.tenantId === tenant.id);
    expect(activated).toHaveLength(1);
    // The settings change after it (allowIdpInitiated) is a later version, and no event.
    expect(activated[0]!.resource.version).toBeLessThan(tenant.version);
    expect(activated[0]).toMatchObject({ type: 'sso.configuration.activated', resource: { type: 'tenant', id: tenant.id }, actor: 'operator', data: { configId: tenant.sso.active!.configId, entityId: tenant.sso.active!.entityId } });
  });

  it('a first sign-in creates the user (one event) and opens a session (one event); a logout ends it (one event, its sid)', async () => {
    const email = `fay@${tenant.domains[0]}`;
    const first = await eventsOf(() => login(email), 2);
    expect(first.result.statusCode).toBe(303);
    expect(first.events.map((event) => event.type).sort()).toEqual(['signin.succeeded', 'user.created']);
    const user = await world.store.users.findByUserName(tenant.id, email);
    const created = first.events.find((event) => event.type === 'user.created')!;
    expect(created).toMatchObject({ actor: 'idp', resource: { type: 'user', id: user!.id, version: 1 }, data: { userName: email, email } });
    const cookie = sessionCookieOf(first.result)!;
    const sid = oidcSid(sha256Hex(cookie));
    const signedIn = first.events.find((event) => event.type === 'signin.succeeded')!;
    expect(signedIn).toMatchObject({ actor: 'idp', resource: { type: 'session', id: sid, version: 0 }, data: { userId: user!.id, sid, kind: 'app', initiatedBy: 'idp' } });
    expect(signedIn.correlationId).toBe(created.correlationId);

    const again = await eventsOf(() => login(email), 1);
    expect(again.events.map((event) => event.type), 'an existing user signing in again: the sign-in only').toEqual(['signin.succeeded']);

    const logout = await eventsOf(() => world.handleRaw(httpEvent('POST', '/logout', { cookies: [`${SESSION}=${cookie}`], headers: { origin: API } })), 1);
    expect(logout.result.statusCode).toBe(200);
    expect(logout.events).toHaveLength(1);
    expect(logout.events[0]).toMatchObject({ type: 'session.ended', resource: { type: 'session', id: sid, version: 1 }, data: { userId: user!.id, sid, reason: 'logout' } });
  });

  it('a refused sign-in is one event in the activity log’s fixed words, never the assertion', async () => {
    const email = `gil@${tenant.domains[0]}`;
    const refused = await eventsOf(async () => world.postAcs(tenant.id, await world.idp.response({ acsUrl: tenant.urls.acsUrl, audience: 'https://other-sp.example/metadata', nameId: email, attributes: { email } })), 1);
    expect(refused.result.statusCode).toBeGreaterThanOrEqual(400);
    expect(refused.events).toHaveLength(1);
    const [event] = refused.events;
    expect(event).toMatchObject({ type: 'signin.refused', actor: 'idp', resource: { type: 'tenant', id: tenant.id } });
    const activity = await world.store.activity.list(tenant.id, { limit: 5 }); // the base table, read consistently
    expect(event!.data.reason).toBe(activity.items.find((entry) => entry.type === 'login.failed')?.summary);
    expect(JSON.stringify(event)).not.toContain(email);
  });

  it('an unknown tenant’s refusal is no event', async () => {
    const before = reader.sink.events.length;
    await world.postAcs('t0000nosuchtenant', await world.idp.response({ acsUrl: tenant.urls.acsUrl, audience: tenant.urls.spEntityId, nameId: 'x@y.z', attributes: {} }));
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(reader.sink.events.slice(before)).toEqual([]);
  });
});
