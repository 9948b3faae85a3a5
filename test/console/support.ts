import type { Clock } from '../../lambdas/core/clock';
import { asTenantId, type TenantId } from '../../lambdas/core/ids';
import { DEFAULT_SSO_SETTINGS, type Tenant } from '../../lambdas/core/tenancy/tenant';
import { createDynamoAdapters, type DynamoAdapters } from '../../lambdas/adapters/dynamodb/index';
import { adminPipeline } from '../../lambdas/admin/compose';
import { Logger } from '../../lambdas/http/logger';
import type { HttpEvent, HttpResult } from '../../lambdas/http/request';
import { InMemorySecretStore } from '../support/in-memory-secret-store';
import type { TestTable } from '../support/dynamo';
import { httpEvent } from '../support/http-event';

export const ADMIN_URL = 'http://127.0.0.1:3001';
export const API_URL = 'http://127.0.0.1:3000';

/** A clock the test moves by hand. */
export class ManualClock implements Clock {
  // Starts at the real time: DynamoDB Local's TTL sweeper deletes items whose expiresAt is in the real past.
  constructor(private current = new Date()) {}
  now(): Date {
    return new Date(this.current);
  }
  advance(ms: number): void {
    this.current = new Date(this.current.getTime() + ms);
  }
}

export interface RequestOptions {
  readonly cookie?: string;
  readonly headers?: Record<string, string>;
  readonly body?: unknown;
  readonly query?: Record<string, string>;
  /** Send the body as a form post. */
  readonly form?: Record<string, string>;
  /** Arrive as the IAM-authenticated operator Function URL does (with an authorizer context). */
  readonly iam?: boolean;
}

/** A request to the console's public URL, built by the twin's own event builder. */
export function consoleEvent(method: string, rawPath: string, options: RequestOptions = {}): HttpEvent {
  const body = options.body;
  return httpEvent(method, rawPath, {
    host: '127.0.0.1:3001',
    headers: typeof body === 'string' ? { 'content-type': 'application/json', ...options.headers } : options.headers,
    query: options.query,
    cookies: options.cookie ? [options.cookie] : undefined,
    form: options.form,
    ...(options.iam ? { authorizer: { iam: { accountId: '123456789012', userArn: 'arn:aws:iam::123456789012:user/ops' } } } : {}),
    ...(typeof body === 'string' ? { body } : body !== undefined ? { json: body } : {}),
  });
}

export interface ConsoleHarness {
  readonly adapters: DynamoAdapters;
  readonly secrets: InMemorySecretStore;
  readonly clock: ManualClock;
  request(method: string, path: string, options?: RequestOptions): Promise<HttpResult>;
}

export function consoleHarness(table: TestTable): ConsoleHarness {
  const clock = new ManualClock();
  const adapters = createDynamoAdapters({ db: table.db, tableName: table.tableName, clock });
  const secrets = new InMemorySecretStore();
  const logger = new Logger({}, 'error', () => {});
  const handle = adminPipeline({ ...adapters, secrets, scimTokenSecretPrefix: 'scim-tokens/', publicBaseUrl: API_URL, adminPublicUrl: ADMIN_URL, runtimeMode: 'local', clock, logger });
  return {
    adapters,
    secrets,
    clock,
    request: (method, path, options) => handle(consoleEvent(method, path, options)),
  };
}

let counter = 0;
export async function createTenant(adapters: DynamoAdapters, clock: Clock, overrides: Partial<Tenant> = {}): Promise<Tenant> {
  counter += 1;
  const suffix = `${counter}${Math.random().toString(36).slice(2, 8)}`;
  const now = clock.now().toISOString();
  const tenant: Tenant = {
    id: asTenantId(`t${suffix.padEnd(12, 'x').slice(0, 12)}`) as TenantId,
    name: `Tenant ${suffix}`,
    plan: 'trial',
    domains: [`acme${suffix}.example`],
    sso: DEFAULT_SSO_SETTINGS,
    scim: { enabled: false },
    createdAt: now,
    updatedAt: now,
    version: 1,
    ...overrides,
  };
  await adapters.tenants.create(tenant);
  return tenant;
}

/** The `name=value` part of a Set-Cookie. */
export const cookiePair = (result: HttpResult, name: string): string | undefined =>
  result.cookies?.map((c) => c.split(';')[0]!).find((pair) => pair.startsWith(`${name}=`));

/** The CSRF token a console page embeds. */
export function csrfOf(page: HttpResult): string {
  const found = /<meta name="csrf-token" content="([^"]+)">/.exec(page.body ?? '');
  if (!found) throw new Error('no CSRF token on the page');
  return found[1]!;
}

/**
 * Opens a one-time sign-in link as the admin's browser does: the GET shows the Continue page, whose button
 * POSTs the token from the console's own origin. A refused GET (spent or unknown link) is returned as it is.
 */
export async function followLink(h: ConsoleHarness, link: string | URL): Promise<HttpResult> {
  const token = new URL(link, ADMIN_URL).searchParams.get('token') ?? '';
  const page = await h.request('GET', '/login', { query: { token } });
  if (page.statusCode !== 200) return page;
  return h.request('POST', '/login', { form: { token }, headers: { origin: ADMIN_URL, 'sec-fetch-site': 'same-origin' } });
}
