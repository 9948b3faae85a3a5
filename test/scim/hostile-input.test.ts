import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TenantId } from '../../lambdas/core/ids';
import { Logger } from '../../lambdas/http/logger';
import { route } from '../../lambdas/http/routes';
import { scimPipeline } from '../../lambdas/scim/handler';
import { httpEvent } from '../support/http-event';
import { call, createTenant, createWorld, SECRET_PREFIX, type Call, type ScimWorld } from './harness';

const ERROR_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:Error';

/** A refusal a SCIM client can parse: 4xx, RFC 7644 error body, `status` as a string. */
function expectScimRefusal(res: Call, status: number, scimType?: string): void {
  expect(res.status).toBe(status);
  expect(res.headers['content-type']).toMatch(/^application\/scim\+json/);
  expect(res.body).toMatchObject({ schemas: [ERROR_SCHEMA], status: String(status), detail: expect.any(String) });
  if (scimType) expect(res.body.scimType).toBe(scimType);
}

describe('SCIM answers hostile input with a 4xx in the error schema', () => {
  let world: ScimWorld;
  let tenantId: TenantId;
  let token: string;

  beforeAll(async () => {
    world = await createWorld();
    ({ tenantId, token } = await createTenant(world));
  });
  afterAll(async () => world.table.drop());

  it('ignores malformed cookies: SCIM authenticates by bearer token only', async () => {
    const cookies = ['natoma_session=%', 'other=%E0%A4%A', '=;;=x'];
    expect((await call(world, 'GET', `/scim/v2/${tenantId}/Users`, { token, cookies })).status).toBe(200);
    expectScimRefusal(await call(world, 'GET', `/scim/v2/${tenantId}/Users`, { cookies }), 401);
  });

  it('refuses broken percent-encoding in the path, and finds nothing at an encoded slash', async () => {
    expectScimRefusal(await call(world, 'GET', `/scim/v2/${tenantId}/Users/%E0%A4%A`, { token }), 400, 'invalidSyntax');
    expectScimRefusal(await call(world, 'GET', `/scim/v2/%ZZ/Users`, { token }), 400, 'invalidSyntax');
    expectScimRefusal(await call(world, 'GET', `/scim/v2/${tenantId}/Users/a%2Fb`, { token }), 404);
    expectScimRefusal(await call(world, 'GET', `/scim/v2/${tenantId}/Users/%00`, { token }), 404);
  });

  it.each([
    ['a truncated object', '{"userName":'],
    ['a stray byte', '\u0000'],
    ['deep nesting', '['.repeat(50_000)],
    ['whitespace only', '   '],
  ])('answers 400 invalidSyntax to %s, without echoing it', async (_name, rawBody) => {
    const res = await call(world, 'POST', `/scim/v2/${tenantId}/Users`, { token, rawBody });
    expectScimRefusal(res, 400, 'invalidSyntax');
    expect(res.raw.body).not.toContain('userName":');
  });

  it('answers 400 invalidValue to JSON that is not a resource object', async () => {
    for (const rawBody of ['null', '[]', '"x"', '42']) {
      expectScimRefusal(await call(world, 'POST', `/scim/v2/${tenantId}/Users`, { token, rawBody }), 400, 'invalidValue');
    }
  });

  it('answers 415 to a body that is not JSON, whatever the type claims to be', async () => {
    for (const contentType of ['application/xml', 'text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/json-patch']) {
      const res = await call(world, 'POST', `/scim/v2/${tenantId}/Groups`, { token, rawBody: 'displayName=x', headers: { 'content-type': contentType } });
      expectScimRefusal(res, 415);
      expect(res.raw.body).not.toContain(contentType);
    }
  });

  it('still reads JSON sent without a content type, and endpoint names in any case', async () => {
    const created = await world.handler(httpEvent('POST', `/scim/v2/${tenantId}/users`, { host: 'api.example.test', headers: { authorization: `Bearer ${token}` }, body: JSON.stringify({ userName: 'no.type@example.com' }) }));
    expect(created.statusCode).toBe(201);
    expect((await call(world, 'GET', `/scim/v2/${tenantId}/USERS?filter=${encodeURIComponent('userName eq "no.type@example.com"')}`, { token })).body.totalResults).toBe(1);
  });

  it('answers a wrong method with 405 naming the allowed ones, in the error schema', async () => {
    const res = await call(world, 'DELETE', `/scim/v2/${tenantId}/Users`, { token });
    expectScimRefusal(res, 405);
    expect(res.headers.allow).toBe('GET, POST, HEAD');
  });

  it('answers an unexpected failure with 500 in the schema and nothing of its cause', async () => {
    const lines: string[] = [];
    const pipeline = scimPipeline(
      { ...world.adapters, secrets: world.secrets, secretPrefix: SECRET_PREFIX, rateLimit: false, logger: new Logger({ service: 'scim' }, 'info', (line) => lines.push(line)) },
      [
        route('GET', '/scim/v2/{tenantId}/Broken', async () => {
          throw new Error('table natoma-prod is unreachable at 10.0.0.7');
        }),
      ],
    );
    const raw = await pipeline(httpEvent('GET', `/scim/v2/${tenantId}/Broken`));
    expect(raw.statusCode).toBe(500);
    expect(JSON.parse(raw.body!)).toEqual({ schemas: [ERROR_SCHEMA], status: '500', detail: 'internal error' });
    expect(raw.body).not.toContain('10.0.0.7');
    expect(lines.join('\n')).toContain('10.0.0.7');
  });
});
