import type { Clock } from '../../lambdas/core/clock';
import { asTenantId, type TenantId } from '../../lambdas/core/ids';
import { DEFAULT_SSO_SETTINGS, type Tenant } from '../../lambdas/core/tenancy/tenant';
import { createDynamoAdapters, type DynamoAdapters } from '../../lambdas/adapters/dynamodb/index';
import { consoleDeps } from '../../lambdas/admin/console/compose';
import { createConsole } from '../../lambdas/admin/console/index';
import type { HttpEvent, HttpResult } from '../../lambdas/http/request';
import { InMemorySecretStore } from '../support/in-memory-secret-store';
import type { TestTable } from '../support/dynamo';

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
  /** Send the body as a form post (base64, as the Function URL delivers it). */
  readonly form?: Record<string, string>;
}

export function consoleEvent(method: string, rawPath: string, options: RequestOptions = {}): HttpEvent {
  const headers: Record<string, string> = { host: '127.0.0.1:3001', ...options.headers };
  let body: string | undefined;
  let isBase64Encoded = false;
  if (options.form) {
    headers['content-type'] = 'application/x-www-form-urlencoded';
    body = Buffer.from(new URLSearchParams(options.form).toString()).toString('base64');
    isBase64Encoded = true;
  } else if (options.body !== undefined) {
    headers['content-type'] = 'application/json';
    body = typeof options.body === 'string' ? options.body : JSON.stringify(options.body);
  }
  const query = options.query ?? {};
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath,
    rawQueryString: new URLSearchParams(query).toString(),
    cookies: options.cookie ? [options.cookie] : undefined,
    headers,
    queryStringParameters: Object.keys(query).length ? query : undefined,
    requestContext: {
      accountId: 'anonymous',
      apiId: 'console',
      domainName: '127.0.0.1:3001',
      domainPrefix: '127',
      http: { method, path: rawPath, protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'vitest' },
      requestId: `req-${Math.random().toString(36).slice(2, 12)}`,
      routeKey: '$default',
      stage: '$default',
      time: '',
      timeEpoch: Date.now(),
    },
    body,
    isBase64Encoded,
  } as HttpEvent;
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
  const handle = createConsole(
    consoleDeps({ ...adapters, secrets, scimTokenSecretPrefix: 'scim-tokens/', publicBaseUrl: API_URL, adminPublicUrl: ADMIN_URL, runtimeMode: 'local', clock }),
  );
  return {
    adapters,
    secrets,
    clock,
    request: async (method, path, options) => {
      const result = await handle(consoleEvent(method, path, options));
      if (!result) throw new Error(`${method} ${path} is not a console route`);
      return result;
    },
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
