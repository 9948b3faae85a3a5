import { createDynamoAdapters, type DynamoAdapters } from '../../lambdas/adapters/dynamodb/index';
import type { Clock } from '../../lambdas/core/clock';
import { asTenantId, type TenantId } from '../../lambdas/core/ids';
import { createScimToken, enableScim, type ScimTokenDeps } from '../../lambdas/core/provisioning/scim-tokens';
import { DEFAULT_SSO_SETTINGS, type Tenant } from '../../lambdas/core/tenancy/tenant';
import { Logger } from '../../lambdas/http/logger';
import type { HttpEvent, HttpResult } from '../../lambdas/http/request';
import { createScimHandler, type ScimHandler, type ScimHandlerDeps } from '../../lambdas/scim/app';
import { matchRoute } from '../../local/http-bridge';
import { apiRoutes } from '../../local/routes';
import { countingClient, type CountingClient } from '../support/counting-client';
import { createTestTable, type TestTable } from '../support/dynamo';
import { httpEvent } from '../support/http-event';
import { InMemorySecretStore } from '../support/in-memory-secret-store';

export const SECRET_PREFIX = 'natoma/test/scim/';
export const HOST = 'api.example.test';

/** A clock tests can move. */
export class MovableClock implements Clock {
  constructor(public at = new Date('2025-01-01T00:00:00.000Z')) {}
  now(): Date {
    return new Date(this.at);
  }
  advance(ms: number): void {
    this.at = new Date(this.at.getTime() + ms);
  }
}

export interface ScimWorld {
  readonly table: TestTable;
  readonly counting: CountingClient;
  readonly adapters: DynamoAdapters;
  readonly secrets: InMemorySecretStore;
  readonly clock: MovableClock;
  readonly logs: string[];
  readonly tokenDeps: ScimTokenDeps;
  handler: ScimHandler;
  rebuild(overrides?: Partial<ScimHandlerDeps>): ScimHandler;
}

export async function createWorld(overrides: Partial<ScimHandlerDeps> = {}, tableOptions: { stream?: boolean } = {}): Promise<ScimWorld> {
  const table = await createTestTable(tableOptions);
  const counting = countingClient(table.db);
  const clock = new MovableClock(new Date());
  const adapters = createDynamoAdapters({ db: counting.db, tableName: table.tableName });
  const secrets = new InMemorySecretStore();
  const logs: string[] = [];
  const tokenDeps: ScimTokenDeps = { tenants: adapters.tenants, scimTokens: adapters.scimTokens, secrets, activity: adapters.activity, clock, secretPrefix: SECRET_PREFIX };
  const build = (more: Partial<ScimHandlerDeps> = {}) =>
    createScimHandler({
      ...adapters,
      secrets,
      secretPrefix: SECRET_PREFIX,
      clock,
      logger: new Logger({ service: 'scim' }, 'debug', (line) => logs.push(line)),
      rateLimit: false,
      ...overrides,
      ...more,
    });
  const world: ScimWorld = {
    table,
    counting,
    adapters,
    secrets,
    clock,
    logs,
    tokenDeps,
    handler: build(),
    rebuild(more) {
      world.handler = build(more);
      return world.handler;
    },
  };
  return world;
}

let tenantSeq = 0;
export async function createTenant(world: ScimWorld, options: { plan?: 'trial' | 'paid'; enable?: boolean } = {}): Promise<{ tenantId: TenantId; token: string; tokenId: string }> {
  tenantSeq++;
  const suffix = `${Date.now().toString(36)}${tenantSeq.toString(36)}${Math.random().toString(36).slice(2)}`.replace(/[^a-z0-9]/g, '').slice(-12).padStart(12, '0');
  const tenantId = asTenantId(`t${suffix}`);
  const now = world.clock.now().toISOString();
  const tenant: Tenant = {
    id: tenantId,
    name: `Tenant ${tenantSeq}`,
    plan: options.plan ?? 'paid',
    domains: [`t${suffix}.example.com`],
    sso: DEFAULT_SSO_SETTINGS,
    scim: { enabled: false },
    createdAt: now,
    updatedAt: now,
    version: 1,
  };
  await world.adapters.tenants.create(tenant);
  if (options.enable !== false) await enableScim(world.tokenDeps, tenantId);
  const created = await createScimToken(world.tokenDeps, tenantId);
  return { tenantId, token: created.token, tokenId: created.tokenId };
}

export interface Call {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: any; // eslint-disable-line @typescript-eslint/no-explicit-any
  readonly raw: HttpResult;
}

/**
 * An API Gateway HTTP API (payload 2.0) event, as it reaches the Lambda: built by the twin's own
 * `toHttpEvent` (through test/support/http-event), with the route key and path parameters API Gateway's
 * `/scim/v2/{tenantId}/{proxy+}` route gives.
 */
export function event(methodName: string, target: string, options: { token?: string; body?: unknown; headers?: Record<string, string>; rawBody?: string; cookies?: string[] } = {}): HttpEvent {
  const headers: Record<string, string> = {
    'user-agent': 'Okta SCIM Client 1.0.0',
    accept: 'application/scim+json',
    ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
    ...(options.body !== undefined || options.rawBody !== undefined ? { 'content-type': 'application/scim+json; charset=utf-8' } : {}),
    ...options.headers,
  };
  const body = options.rawBody ?? (options.body === undefined ? undefined : JSON.stringify(options.body));
  const route = matchRoute(apiRoutes, methodName, target.split('?')[0]!);
  return httpEvent(methodName, target, { host: HOST, headers, cookies: options.cookies, ...(body !== undefined ? { body } : {}), ...(route ?? { routeKey: '$default' }) });
}

export async function call(world: ScimWorld, methodName: string, target: string, options: Parameters<typeof event>[2] = {}): Promise<Call> {
  const raw = await world.handler(event(methodName, target, options));
  const headers = Object.fromEntries(Object.entries(raw.headers ?? {}).map(([k, v]) => [k.toLowerCase(), String(v)]));
  return { status: raw.statusCode, headers, body: raw.body ? JSON.parse(raw.body) : undefined, raw };
}

/** A client bound to one tenant and token. */
export function client(world: ScimWorld, tenantId: TenantId, token: string) {
  const base = `/scim/v2/${tenantId}`;
  return {
    base,
    get: (p: string, headers?: Record<string, string>) => call(world, 'GET', `${base}${p}`, { token, headers }),
    post: (p: string, body: unknown, headers?: Record<string, string>) => call(world, 'POST', `${base}${p}`, { token, body, headers }),
    put: (p: string, body: unknown, headers?: Record<string, string>) => call(world, 'PUT', `${base}${p}`, { token, body, headers }),
    patch: (p: string, body: unknown, headers?: Record<string, string>) => call(world, 'PATCH', `${base}${p}`, { token, body, headers }),
    delete: (p: string, headers?: Record<string, string>) => call(world, 'DELETE', `${base}${p}`, { token, headers }),
  };
}

export const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
export const USER_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:User';
export const GROUP_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:Group';
export const q = (text: string) => encodeURIComponent(text);

/** Okta's create payload (OIN SPEC/CRUD suites). */
export function oktaUser(userName: string, extra: Record<string, unknown> = {}) {
  const [given = 'Test', family = 'User'] = userName.split('@')[0]!.split('.');
  return {
    schemas: [USER_SCHEMA],
    userName,
    name: { givenName: given, familyName: family },
    emails: [{ primary: true, value: userName, type: 'work' }],
    displayName: `${given} ${family}`,
    locale: 'en-US',
    externalId: `00u${Math.random().toString(36).slice(2, 12)}`,
    groups: [],
    password: '1mPa$$w0rd!',
    active: true,
    ...extra,
  };
}
