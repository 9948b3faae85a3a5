import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { matchRoute, rawRequestOf, toHttpEvent, writeHttpResult } from '../../local/http-bridge';
import { apiRoutes } from '../../local/routes';
import { createTenant, createWorld, GROUP_SCHEMA, oktaUser, PATCH_OP, type ScimWorld } from './harness';

// Okta's request shapes over real HTTP, through the twin's own HTTP → API Gateway event bridge.
describe('Okta replay over HTTP', () => {
  let world: ScimWorld;
  let server: Server;
  let base: string;
  let token: string;

  beforeAll(async () => {
    world = await createWorld();
    server = createServer((req, res) => {
      void (async () => {
        const path = (req.url ?? '/').split('?')[0]!;
        const route = matchRoute(apiRoutes, (req.method ?? 'GET').toUpperCase(), path);
        if (!route) return writeHttpResult(res, { statusCode: 404, body: 'Not Found' });
        const raw = await rawRequestOf(req, 10 * 1024 * 1024);
        writeHttpResult(res, await world.handler(toHttpEvent(raw, { route, localPort: (server.address() as AddressInfo).port })));
      })().catch(() => writeHttpResult(res, { statusCode: 500, body: 'bridge error' }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const tenant = await createTenant(world);
    token = tenant.token;
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/scim/v2/${tenant.tenantId}`;
    world.rebuild({ publicBaseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}` });
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await world.table.drop();
  });

  const okta = async (method: string, path: string, body?: unknown, auth = `Bearer ${token}`) => {
    const res = await fetch(`${base}${path}`, {
      method,
      headers: { 'user-agent': 'Okta SCIM Client 1.0.0', accept: 'application/scim+json', 'accept-charset': 'utf-8', authorization: auth, ...(body ? { 'content-type': 'application/json' } : {}) },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
    const text = await res.text();
    return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : undefined };
  };

  it('runs the provisioning lifecycle as Okta sends it', async () => {
    expect((await okta('GET', '/Users?filter=userName%20eq%20%22alice%40example.com%22&startIndex=1&count=2')).body.totalResults).toBe(0);
    expect((await okta('GET', '/Users', undefined, 'non-token')).status).toBe(401);

    const created = await okta('POST', '/Users', oktaUser('alice@example.com'));
    expect(created.status).toBe(201);
    expect(created.headers.get('content-type')).toMatch(/^application\/scim\+json/);
    expect(created.headers.get('location')).toBe(`${base}/Users/${created.body.id}`);
    expect((await okta('POST', '/Users', oktaUser('ALICE@example.com'))).body).toMatchObject({ status: '409', scimType: 'uniqueness' });

    const found = await okta('GET', '/Users?filter=userName%20eq%20%22ALICE%40EXAMPLE.COM%22&startIndex=1&count=100');
    expect(found.body.Resources[0].id).toBe(created.body.id);

    const deactivated = await okta('PATCH', `/Users/${created.body.id}`, { schemas: [PATCH_OP], Operations: [{ op: 'replace', value: { active: false } }] });
    expect(deactivated.body.active).toBe(false);

    const group = await okta('POST', '/Groups', { schemas: [GROUP_SCHEMA], displayName: 'HTTP group', members: [] });
    expect((await okta('PATCH', `/Groups/${group.body.id}`, { schemas: [PATCH_OP], Operations: [{ op: 'add', path: 'members', value: [{ value: created.body.id, display: 'alice@example.com' }] }] })).status).toBe(204);
    const read = await okta('GET', `/Groups/${group.body.id}?excludedAttributes=members`);
    expect(read.body).toMatchObject({ id: group.body.id, displayName: 'HTTP group' });
    expect(read.body.members).toBeUndefined();
    const filterPath = `members%5Bvalue%20eq%20%22${created.body.id}%22%5D`;
    expect((await okta('PATCH', `/Groups/${group.body.id}`, { schemas: [PATCH_OP], Operations: [{ op: 'remove', path: decodeURIComponent(filterPath) }] })).status).toBe(204);
    expect((await okta('DELETE', `/Groups/${group.body.id}`)).status).toBe(204);

    const page = await okta('GET', '/Groups?startIndex=1&count=100');
    expect(page.body).toMatchObject({ totalResults: 0, Resources: [] });
  });
});
