import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDynamoAdapters } from '../../lambdas/adapters/dynamodb/index';
import { adminPipeline } from '../../lambdas/admin/compose';
import type { AdminSurface } from '../../lambdas/admin/routes';
import { systemClock } from '../../lambdas/core/clock';
import type { TenantRepository } from '../../lambdas/core/tenancy/ports';
import { Logger } from '../../lambdas/http/logger';
import type { HttpEvent, HttpResult } from '../../lambdas/http/request';
import { createTestTable, type TestTable } from '../support/dynamo';
import { httpEvent } from '../support/http-event';
import { InMemorySecretStore } from '../support/in-memory-secret-store';

const IAM = { accountId: '123456789012', userArn: 'arn:aws:iam::123456789012:user/ops', accessKey: 'AKIA', userId: 'AIDA' };

function event(method: string, url: string, options: { body?: unknown; iam?: boolean; contentType?: string; rawBody?: string } = {}): HttpEvent {
  const body = options.rawBody ?? (options.body === undefined ? undefined : JSON.stringify(options.body));
  return httpEvent(method, url, {
    host: 'abc.lambda-url.eu-west-1.on.aws',
    ...(body !== undefined ? { body, headers: { 'content-type': options.contentType ?? 'application/json' } } : {}),
    ...(options.iam === false ? {} : { authorizer: { iam: IAM } }),
  });
}

/** The admin surface over a test table; `tenants` can be swapped for a failing one. */
function surface(table: TestTable, logger: Logger, tenants?: TenantRepository): AdminSurface {
  const adapters = createDynamoAdapters({ db: table.db, tableName: table.tableName });
  const secrets = new InMemorySecretStore();
  return { ...adapters, tenants: tenants ?? adapters.tenants, secrets, scimTokenSecretPrefix: 'scim/', publicBaseUrl: 'https://sso.example.com', runtimeMode: 'deployed', clock: systemClock, logger };
}

const bodyOf = (result: HttpResult) => JSON.parse(result.body ?? 'null');

describe('operator API', () => {
  let table: TestTable;
  let handle: (event: HttpEvent) => Promise<HttpResult>;
  const logLines: string[] = [];
  const logger = new Logger({ service: 'admin' }, 'info', (line) => logLines.push(line));

  beforeAll(async () => {
    table = await createTestTable();
    handle = adminPipeline(surface(table, logger));
  });
  afterAll(async () => table.drop());

  it('answers 403 to an operator route without an IAM authorizer context', async () => {
    const result = await handle(event('GET', '/operator/tenants', { iam: false }));
    expect(result.statusCode).toBe(403);
    expect(bodyOf(result).error.code).toBe('forbidden');
  });

  it('creates a trial tenant and answers 201 with its ID and Okta URLs', async () => {
    const result = await handle(event('POST', '/operator/tenants', { body: { name: ' Acme ', domains: ['Acme.COM', 'acme.io'] } }));
    expect(result.statusCode).toBe(201);
    const tenant = bodyOf(result);
    expect(tenant).toMatchObject({ name: 'Acme', plan: 'trial', domains: ['acme.com', 'acme.io'], sso: { state: 'not-configured' }, scim: { enabled: false } });
    expect(tenant.tenantId).toMatch(/^t[a-z0-9]{12}$/);
    expect(tenant.urls).toEqual({
      spEntityId: `https://sso.example.com/saml/${tenant.tenantId}/metadata`,
      spMetadataUrl: `https://sso.example.com/saml/${tenant.tenantId}/metadata`,
      acsUrl: `https://sso.example.com/saml/${tenant.tenantId}/acs`,
      signInUrl: 'https://sso.example.com/signin',
      initiateLoginUrl: `https://sso.example.com/saml/${tenant.tenantId}/login`,
      scimBaseUrl: `https://sso.example.com/scim/v2/${tenant.tenantId}`,
    });
    expect(result.headers?.location).toBe(`/operator/tenants/${tenant.tenantId}`);
    expect(result.headers?.['x-correlation-id']).toBeTruthy();
  });

  it('answers 409 when a domain already belongs to another tenant', async () => {
    await handle(event('POST', '/operator/tenants', { body: { name: 'First', domains: ['taken.example'] } }));
    const result = await handle(event('POST', '/operator/tenants', { body: { name: 'Second', domains: ['TAKEN.example'] } }));
    expect(result.statusCode).toBe(409);
    expect(bodyOf(result).error).toMatchObject({ code: 'conflict', message: expect.stringContaining('taken.example') });
  });

  it.each([
    [{ domains: ['a.example'] }, 'name'],
    [{ name: 'X', domains: [] }, 'domains'],
    [{ name: 'X', domains: 'a.example' }, 'domains'],
    [{ name: 'X', domains: ['not a domain'] }, 'domains'],
    [{ name: 'X', domains: ['a.example'], plan: 'gold' }, 'plan'],
    [{ name: '   ', domains: ['b.example'] }, 'name'],
    [{ name: 'X', domains: ['c.example', 'C.example'] }, 'domains'],
  ])('answers 400 naming the bad field for %j', async (body, field) => {
    const result = await handle(event('POST', '/operator/tenants', { body }));
    expect(result.statusCode).toBe(400);
    expect(bodyOf(result).error.message).toMatch(new RegExp(`^${field}\\b|; ${field}\\b`));
  });

  it('answers 400 to a body that is not JSON and 415 to another media type', async () => {
    expect((await handle(event('POST', '/operator/tenants', { rawBody: '{nope' }))).statusCode).toBe(400);
    expect((await handle(event('POST', '/operator/tenants', { rawBody: 'name=x', contentType: 'application/x-www-form-urlencoded' }))).statusCode).toBe(415);
    const untyped = httpEvent('POST', '/operator/tenants', { body: JSON.stringify({ name: 'Untyped', domains: ['untyped.example'] }), authorizer: { iam: IAM } });
    expect((await handle(untyped)).statusCode).toBe(201);
  });

  it('shows a tenant, 404 for an unknown one', async () => {
    const created = bodyOf(await handle(event('POST', '/operator/tenants', { body: { name: 'Show', domains: ['show.example'] } })));
    const shown = await handle(event('GET', `/operator/tenants/${created.tenantId}`));
    expect(shown.statusCode).toBe(200);
    expect(bodyOf(shown).name).toBe('Show');
    const missing = await handle(event('GET', '/operator/tenants/tzzzzzzzzzzzz'));
    expect(missing.statusCode).toBe(404);
    expect(bodyOf(missing).error.code).toBe('not_found');
  });

  it('upgrades a tenant to paid, and upgrading again changes nothing', async () => {
    const created = bodyOf(await handle(event('POST', '/operator/tenants', { body: { name: 'Up', domains: ['up.example'] } })));
    const first = bodyOf(await handle(event('POST', `/operator/tenants/${created.tenantId}/upgrade`)));
    expect(first).toMatchObject({ plan: 'paid', version: 2 });
    const second = bodyOf(await handle(event('POST', `/operator/tenants/${created.tenantId}/upgrade`)));
    expect(second).toMatchObject({ plan: 'paid', version: 2 });
  });

  it('lists tenants page by page with a cursor', async () => {
    // The tenant listing is a GSI (eventually consistent by design): an operator sees a new tenant within a second.
    await table.settle();
    const seen = new Set<string>();
    let cursor: string | undefined;
    do {
      const page = bodyOf(await handle(event('GET', `/operator/tenants?limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`)));
      expect(page.tenants.length).toBeLessThanOrEqual(2);
      for (const t of page.tenants) seen.add(t.tenantId);
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen.size).toBeGreaterThanOrEqual(4);
    expect((await handle(event('GET', '/operator/tenants?limit=0'))).statusCode).toBe(400);
  });

  it('answers 404 for an unknown operator route and 405 for a wrong method', async () => {
    expect((await handle(event('GET', '/operator/nothing'))).statusCode).toBe(404);
    const wrong = await handle(event('DELETE', '/operator/tenants'));
    expect(wrong.statusCode).toBe(405);
    expect(wrong.headers?.allow).toContain('GET');
  });

  it('answers /health without authentication', async () => {
    const result = await handle(event('GET', '/health', { iam: false }));
    expect(result.statusCode).toBe(200);
    expect(bodyOf(result)).toMatchObject({ status: 'ok', surface: 'admin' });
  });

  it('answers 404 for a path neither the operator API nor the console serves', async () => {
    expect((await handle(event('GET', '/nothing', { iam: false }))).statusCode).toBe(404);
    expect((await handle(event('GET', '/operator/tenants/x/nothing'))).statusCode).toBe(404);
  });

  it('hides unexpected errors behind a generic 500 with the correlation ID, and logs them', async () => {
    const broken = { get: async () => Promise.reject(new Error('socket hang up: secret detail')) } as unknown as TenantRepository;
    const lines: string[] = [];
    const failing = adminPipeline(surface(table, new Logger({}, 'info', (l) => lines.push(l)), broken));
    // A well-formed ID: an impossible one is refused with 404 before storage is asked.
    const result = await failing(event('GET', '/operator/tenants/tabcdefghjkmn'));
    expect(result.statusCode).toBe(500);
    const body = bodyOf(result);
    expect(body.error.code).toBe('internal');
    expect(result.body).not.toContain('secret detail');
    expect(body.error.correlationId).toBe(result.headers?.['x-correlation-id']);
    expect(lines.some((l) => l.includes('secret detail') && l.includes(body.error.correlationId))).toBe(true);
  });
});
