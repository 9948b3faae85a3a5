import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConflictError, NotFoundError, PlanRequiredError } from '../../lambdas/core/errors';
import {
  createScimToken,
  disableScim,
  enableScim,
  listScimTokens,
  revokeScimToken,
  SCIM_TOKEN_PREFIX,
} from '../../lambdas/core/provisioning/scim-tokens';
import { UPGRADE_REQUIRED_MESSAGE } from '../../lambdas/core/tenancy/tenant';
import { call, client, createTenant, createWorld, oktaUser, SECRET_PREFIX, type ScimWorld } from './harness';

describe('SCIM tokens and enablement', () => {
  let world: ScimWorld;
  beforeAll(async () => {
    world = await createWorld({ tokenCacheTtlMs: 30_000 });
  });
  afterAll(async () => world.table.drop());

  it('returns the token once and stores only its SHA-256 under the tenant\'s secret name', async () => {
    const { tenantId, token, tokenId } = await createTenant(world);
    expect(token).toMatch(/^natoma_scim_[A-Za-z0-9_-]{43}$/);
    const stored = world.secrets.values.get(`${SECRET_PREFIX}${tenantId}`)!;
    expect(stored).not.toContain(token);
    expect(JSON.parse(stored)).toEqual({ tokens: [{ tokenId, sha256: expect.stringMatching(/^[0-9a-f]{64}$/) }] });
    const [record] = await listScimTokens(world.tokenDeps, tenantId);
    expect(record).toMatchObject({ tokenId, hint: expect.stringMatching(new RegExp(`^${SCIM_TOKEN_PREFIX}.{4}…$`)) });
    expect(JSON.stringify(record)).not.toContain(token.slice(SCIM_TOKEN_PREFIX.length + 4));
  });

  it('allows two active tokens and refuses a third with a message telling to revoke one', async () => {
    const { tenantId } = await createTenant(world);
    await createScimToken(world.tokenDeps, tenantId);
    await expect(createScimToken(world.tokenDeps, tenantId)).rejects.toThrow(ConflictError);
    await expect(createScimToken(world.tokenDeps, tenantId)).rejects.toThrow(/revoke one/);
  });

  it('refuses to enable provisioning for a trial tenant with active SAML', async () => {
    const { tenantId } = await createTenant(world, { plan: 'trial', enable: false });
    const tenant = (await world.adapters.tenants.get(tenantId))!;
    await world.adapters.tenants.replace(
      { ...tenant, sso: { ...tenant.sso, active: { configId: 'c1', entityId: 'http://idp', signingCertificates: ['MII'], wantAuthnRequestsSigned: false, importedAt: tenant.createdAt } }, version: tenant.version + 1 },
      tenant.version,
    );
    const error = await enableScim(world.tokenDeps, tenantId).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PlanRequiredError);
    expect((error as Error).message).toBe(UPGRADE_REQUIRED_MESSAGE);
  });

  it('enables a trial tenant without SAML and records the admin events', async () => {
    const { tenantId } = await createTenant(world, { plan: 'trial' });
    expect((await world.adapters.tenants.get(tenantId))!.scim.enabled).toBe(true);
    const events = await world.adapters.activity.list(tenantId, { limit: 10 });
    expect(events.items.map((e) => e.type)).toEqual(expect.arrayContaining(['scim.enabled', 'scim.token.created']));
  });

  it('revoking an unknown token is NotFound', async () => {
    const { tenantId } = await createTenant(world);
    await expect(revokeScimToken(world.tokenDeps, tenantId, 'tok_nope')).rejects.toThrow(NotFoundError);
  });
});

describe('SCIM authentication', () => {
  let world: ScimWorld;
  beforeAll(async () => {
    world = await createWorld({ tokenCacheTtlMs: 30_000 });
  });
  afterAll(async () => world.table.drop());

  it.each([
    ['no header', undefined],
    ['non-token', 'non-token'],
    ['Basic', 'Basic dXNlcjpwYXNz'],
    ['Bearer garbage', 'Bearer garbage'],
    ['Bearer of a well-formed unknown token', `Bearer ${SCIM_TOKEN_PREFIX}${'A'.repeat(43)}`],
  ])('answers 401 in the SCIM error schema for %s', async (_name, authorization) => {
    const { tenantId } = await createTenant(world);
    const res = await call(world, 'GET', `/scim/v2/${tenantId}/Users`, { headers: authorization ? { authorization } : {} });
    expect(res.status).toBe(401);
    expect(res.body).toMatchObject({ schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'], status: '401' });
    expect(res.headers['www-authenticate']).toMatch(/^Bearer/);
  });

  it('keeps tenants apart: A\'s token on B\'s URL is 401 and reveals nothing', async () => {
    const a = await createTenant(world);
    const b = await createTenant(world);
    const created = await client(world, b.tenantId, b.token).post('/Users', oktaUser('secret.person@b.example.com'));
    expect(created.status).toBe(201);
    for (const [verb, path] of [
      ['GET', `/Users?filter=${encodeURIComponent('userName eq "secret.person@b.example.com"')}`],
      ['GET', `/Users/${created.body.id}`],
      ['DELETE', `/Users/${created.body.id}`],
      ['GET', '/ServiceProviderConfig'],
    ] as const) {
      const res = await call(world, verb, `/scim/v2/${b.tenantId}${path}`, { token: a.token });
      expect(res.status).toBe(401);
      expect(JSON.stringify(res.body)).not.toContain('secret.person');
    }
    const unknownTenant = await call(world, 'GET', '/scim/v2/tzzzzzzzzzzzz/Users', { token: a.token });
    expect(unknownTenant.status).toBe(401);
    expect(unknownTenant.body.detail).toBe((await call(world, 'GET', `/scim/v2/${b.tenantId}/Users`, { token: a.token })).body.detail);
    // A's own data is unaffected and B's user is still there.
    expect((await client(world, b.tenantId, b.token).get(`/Users/${created.body.id}`)).status).toBe(200);
    expect((await client(world, a.tenantId, a.token).get('/Users')).body.totalResults).toBe(0);
  });

  it('accepts both tokens during a rotation, and refuses a revoked one once the cache expires', async () => {
    const { tenantId, token: first, tokenId: firstId } = await createTenant(world);
    const second = await createScimToken(world.tokenDeps, tenantId);
    world.clock.advance(31_000);
    expect((await client(world, tenantId, first).get('/Users')).status).toBe(200);
    expect((await client(world, tenantId, second.token).get('/Users')).status).toBe(200);

    await revokeScimToken(world.tokenDeps, tenantId, firstId);
    // Within the cache time a warm container may still accept it (documented: at most 30 s).
    world.clock.advance(30_001);
    expect((await client(world, tenantId, first).get('/Users')).status).toBe(401);
    expect((await client(world, tenantId, second.token).get('/Users')).status).toBe(200);
  });

  it('caches token hashes: one secret read per tenant per cache period', async () => {
    const { tenantId, token } = await createTenant(world);
    world.clock.advance(31_000);
    const before = world.secrets.reads;
    for (let i = 0; i < 5; i++) await client(world, tenantId, token).get('/Users');
    expect(world.secrets.reads - before).toBe(1);
  });

  it('records lastUsedAt coarsely', async () => {
    const { tenantId, token, tokenId } = await createTenant(world);
    await client(world, tenantId, token).get('/Users');
    const first = (await listScimTokens(world.tokenDeps, tenantId)).find((r) => r.tokenId === tokenId)!;
    expect(first.lastUsedAt).toBeDefined();
    world.clock.advance(60_000);
    await client(world, tenantId, token).get('/Users');
    expect((await listScimTokens(world.tokenDeps, tenantId)).find((r) => r.tokenId === tokenId)!.lastUsedAt).toBe(first.lastUsedAt);
  });

  it('answers a valid token with 401 once SCIM is disabled and the cache expires, like any stranger', async () => {
    const { tenantId, token } = await createTenant(world);
    await disableScim(world.tokenDeps, tenantId);
    world.clock.advance(31_000);
    const res = await client(world, tenantId, token).get('/Users');
    expect(res.status).toBe(401);
    expect(res.body).toMatchObject({ status: '401', detail: expect.stringMatching(/not enabled/) });
    expect(res.body.detail).toBe((await call(world, 'GET', '/scim/v2/tzzzzzzzzzzzy/Users', { token })).body.detail);
  });

  it('never reads the secret store for an unknown tenant or a tenant with SCIM off, first lookup included', async () => {
    const fresh = await createWorld();
    try {
      const off = await createTenant(fresh, { enable: false });
      const on = await createTenant(fresh);
      const strangers = Array.from({ length: 20 }, (_, i) => `tzz${String(i).padStart(10, '0')}`);
      const before = fresh.secrets.reads;
      for (const tenantId of strangers) expect((await call(fresh, 'GET', `/scim/v2/${tenantId}/Users`, { token: on.token })).status).toBe(401);
      for (let i = 0; i < 5; i++) {
        expect((await client(fresh, off.tenantId, off.token).get('/Users')).status).toBe(401);
        fresh.clock.advance(3_000); // past the reload-on-miss pause: each miss may reload, from the table only
      }
      expect(fresh.secrets.reads - before).toBe(0);
      // The tenant with SCIM on costs one secret read.
      expect((await client(fresh, on.tenantId, on.token).get('/Users')).status).toBe(200);
      expect(fresh.secrets.reads - before).toBe(1);
    } finally {
      await fresh.table.drop();
    }
  });

  it('accepts a token created after the cache was filled at once, and reloads at most every 2 s for unknown tokens', async () => {
    const { tenantId, token } = await createTenant(world);
    expect((await client(world, tenantId, token).get('/Users')).status).toBe(200);
    world.clock.advance(2_000);
    const fresh = await createScimToken(world.tokenDeps, tenantId);
    expect((await client(world, tenantId, fresh.token).get('/Users')).status).toBe(200);
    // Wrong tokens in a burst: one reload, then none until 2 s have passed.
    world.clock.advance(2_000);
    const before = world.secrets.reads;
    const wrong = `${SCIM_TOKEN_PREFIX}${'B'.repeat(43)}`;
    for (let i = 0; i < 10; i++) expect((await client(world, tenantId, wrong).get('/Users')).status).toBe(401);
    expect(world.secrets.reads - before).toBe(1);
    world.clock.advance(2_000);
    expect((await client(world, tenantId, wrong).get('/Users')).status).toBe(401);
    expect(world.secrets.reads - before).toBe(2);
    expect((await client(world, tenantId, token).get('/Users')).status).toBe(200);
    expect(world.secrets.reads - before).toBe(2);
    // A burst arriving at once shares one reload.
    world.clock.advance(2_000);
    const statuses = await Promise.all(Array.from({ length: 10 }, () => client(world, tenantId, wrong).get('/Users').then((r) => r.status)));
    expect(statuses.every((status) => status === 401)).toBe(true);
    expect(world.secrets.reads - before).toBe(3);
  });

  it('answers 429 with Retry-After when a tenant exceeds its per-instance rate', async () => {
    world.rebuild({ rateLimit: { capacity: 3, refillPerSec: 1 } });
    const { tenantId, token } = await createTenant(world);
    const other = await createTenant(world);
    const statuses = [];
    for (let i = 0; i < 5; i++) statuses.push((await client(world, tenantId, token).get('/Users')).status);
    expect(statuses).toEqual([200, 200, 200, 429, 429]);
    const limited = await client(world, tenantId, token).get('/Users');
    expect(limited.headers['retry-after']).toBe('1');
    expect(limited.body).toMatchObject({ status: '429' });
    expect((await client(world, other.tenantId, other.token).get('/Users')).status).toBe(200);
    world.clock.advance(2_000);
    expect((await client(world, tenantId, token).get('/Users')).status).toBe(200);
    world.rebuild({ rateLimit: false });
  });
});
