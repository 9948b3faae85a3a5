import type { ActivityLog } from '../core/activity/events';
import { systemClock, type Clock } from '../core/clock';
import type { GroupRepository, UserRepository } from '../core/identity/ports';
import type { SecretStore } from '../core/secrets';
import type { EphemeralStore, SessionStore } from '../core/sessions/ports';
import type { ScimTokenRepository, TenantRepository } from '../core/tenancy/ports';
import { Logger } from '../http/logger';
import { bodyBytes, bodyText, correlationIdOf, header, method, path, type HttpEvent, type HttpResult } from '../http/request';
import { ScimAuthenticator } from './auth';
import { LIMITS, resourceTypes, schemas, serviceProviderConfig } from './discovery';
import { DEFAULT_RATE_LIMIT, TenantRateLimiter, type RateLimitOptions } from './rate-limit';
import { SCHEMA } from './schema';
import { invalidSyntax, notFound, ScimError, scimErrorResponse, toScimError } from './scim-error';
import { ScimService, type ListQuery, type ScimContext, type ScimResponse } from './service';

export interface ScimHandlerDeps {
  readonly tenants: TenantRepository;
  readonly users: UserRepository;
  readonly groups: GroupRepository;
  readonly sessions: SessionStore;
  readonly ephemeral: EphemeralStore;
  readonly activity: ActivityLog;
  readonly scimTokens: ScimTokenRepository;
  readonly secrets: SecretStore;
  /** `SCIM_TOKEN_SECRET_PREFIX`. */
  readonly secretPrefix: string;
  readonly clock?: Clock;
  readonly logger?: Logger;
  /** API base URL (no trailing slash); derived from the request's domain when absent. */
  readonly publicBaseUrl?: string;
  /** Token/tenant cache per container. @default 30 s */
  readonly tokenCacheTtlMs?: number;
  /** Per-tenant token bucket per container; `false` turns it off. @default DEFAULT_RATE_LIMIT */
  readonly rateLimit?: RateLimitOptions | false;
}

export type ScimHandler = (event: HttpEvent) => Promise<HttpResult>;

const ROUTE = /^\/scim\/v2\/([^/]+)(\/.*)?$/;
const MAX_RESPONSE_BYTES = 1_048_576;

/** Content types a body may come as (RFC 7644 §3.1 plus what clients send). */
const JSON_TYPES = /^application\/(scim\+)?json\b|^application\/[a-z0-9.+-]*\+json\b/i;

/**
 * The SCIM 2.0 HTTP surface on `/scim/v2/{tenantId}/…`, built from its ports. The Lambda's `handler`
 * and the local twin both use this, so there is one code path.
 */
export function createScimHandler(deps: ScimHandlerDeps): ScimHandler {
  const clock = deps.clock ?? systemClock;
  const logger = deps.logger ?? new Logger({ service: 'scim' });
  const auth = new ScimAuthenticator({ tenants: deps.tenants, scimTokens: deps.scimTokens, secrets: deps.secrets, secretPrefix: deps.secretPrefix, clock, ttlMs: deps.tokenCacheTtlMs });
  const limiter = deps.rateLimit === false ? undefined : new TenantRateLimiter(deps.rateLimit ?? DEFAULT_RATE_LIMIT, clock);
  const service = new ScimService({ users: deps.users, groups: deps.groups, sessions: deps.sessions, ephemeral: deps.ephemeral, activity: deps.activity, clock });

  return async (event) => {
    const started = Date.now();
    const correlationId = correlationIdOf(event);
    const verb = method(event);
    const match = ROUTE.exec(path(event));
    const log = logger.child({ correlationId, method: verb, route: match ? `/scim/v2/{tenantId}${routeTemplate(match[2] ?? '')}` : path(event) });
    let result: HttpResult;
    let actor: string | undefined;
    try {
      if (!match) throw notFound('not a SCIM endpoint');
      const tenantSegment = safeDecode(match[1]!);
      const rest = match[2] ?? '/';
      const authenticated = await auth.authenticate(tenantSegment, header(event, 'authorization'));
      actor = `scim-token:${authenticated.tokenId}`;
      const wait = limiter?.take(authenticated.tenant.id);
      if (wait !== undefined) throw new ScimError(429, undefined, `too many requests for this tenant: retry after ${wait} s`, { headers: { 'retry-after': String(wait) } });
      const base = `${(deps.publicBaseUrl ?? `https://${event.requestContext.domainName}`).replace(/\/$/, '')}/scim/v2/${authenticated.tenant.id}`;
      const ctx: ScimContext = { tenantId: authenticated.tenant.id, actor, links: { base }, correlationId };
      const response = await route(service, ctx, verb, rest, event);
      result = toHttp(response);
    } catch (error) {
      const scimError = toScimError(error);
      if (scimError.status >= 500) log.error('scim request failed', { error: error instanceof Error ? { name: error.name, message: error.message, stack: error.stack } : String(error) });
      result = scimErrorResponse(scimError);
    }
    log.info('scim request', { status: result.statusCode, durationMs: Date.now() - started, actor, tenantId: match?.[1] });
    return { ...result, headers: { ...result.headers, 'x-correlation-id': correlationId } };
  };
}

/** A malformed %-escape is the client's error (404), not a 500. */
function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw notFound('malformed URL');
  }
}

function routeTemplate(rest: string): string {
  return rest.replace(/^\/(Users|Groups|Schemas|ResourceTypes)\/[^/]+/i, (_m, kind: string) => `/${kind}/{id}`);
}

function toHttp(response: ScimResponse): HttpResult {
  const headers: Record<string, string> = { 'cache-control': 'no-store', ...response.headers };
  if (response.body === undefined) return { statusCode: response.status, headers };
  const body = JSON.stringify(response.body);
  if (Buffer.byteLength(body, 'utf8') > MAX_RESPONSE_BYTES) {
    return scimErrorResponse(new ScimError(400, 'tooMany', 'the response would exceed 1 MB: ask for fewer resources (count) or fewer attributes'));
  }
  return { statusCode: response.status, headers: { 'content-type': 'application/scim+json; charset=utf-8', ...headers }, body };
}

function readBody(event: HttpEvent): unknown {
  if (bodyBytes(event) > LIMITS.maxPayloadSize) throw new ScimError(413, undefined, `the request body exceeds ${LIMITS.maxPayloadSize} bytes`);
  const contentType = header(event, 'content-type');
  if (contentType && !JSON_TYPES.test(contentType.trim())) throw new ScimError(415, undefined, `send the body as application/scim+json (got ${contentType.split(';')[0]})`);
  const text = bodyText(event);
  if (text === undefined || text.trim() === '') throw invalidSyntax('a JSON body is required');
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw invalidSyntax('the body is not valid JSON');
  }
}

function queryOf(event: HttpEvent): ListQuery {
  const q = event.queryStringParameters ?? {};
  const pick = (name: string): string | undefined => {
    for (const [key, value] of Object.entries(q)) if (key.toLowerCase() === name.toLowerCase()) return value ?? '';
    return undefined;
  };
  const query: Record<string, string> = {};
  for (const name of ['filter', 'startIndex', 'count', 'cursor', 'attributes', 'excludedAttributes'] as const) {
    const value = pick(name);
    if (value !== undefined) query[name] = value;
  }
  return query;
}

const methodNotAllowed = (verb: string, rest: string) => new ScimError(405, undefined, `${verb} is not supported on ${rest}`);

async function route(service: ScimService, ctx: ScimContext, verb: string, rest: string, event: HttpEvent): Promise<ScimResponse> {
  const segments = rest.split('/').filter(Boolean).map(safeDecode);
  const [collection, id, extra] = segments;
  const query = queryOf(event);
  const ifMatch = header(event, 'if-match');
  if (extra !== undefined) throw notFound(`no SCIM endpoint at ${rest}`);
  switch (collection?.toLowerCase()) {
    case 'users':
    case 'groups': {
      const kind = collection.toLowerCase() === 'users' ? 'User' : 'Group';
      if (id === undefined) {
        if (verb === 'GET') return service.list(ctx, kind, query);
        if (verb === 'POST') return kind === 'User' ? service.createUser(ctx, readBody(event), query) : service.createGroup(ctx, readBody(event), query);
        throw methodNotAllowed(verb, rest);
      }
      if (id === '.search' && verb === 'POST') {
        const body = readBody(event) as Record<string, unknown>;
        const str = (v: unknown) => (v === undefined || v === null ? undefined : Array.isArray(v) ? v.join(',') : String(v));
        const search: Record<string, string> = {};
        for (const key of ['filter', 'startIndex', 'count', 'cursor', 'attributes', 'excludedAttributes']) {
          const value = str(body?.[key]);
          if (value !== undefined) search[key] = value;
        }
        return service.list(ctx, kind, search);
      }
      switch (verb) {
        case 'GET':
          return kind === 'User' ? service.getUser(ctx, id, query) : service.getGroup(ctx, id, query);
        case 'PUT':
          return kind === 'User' ? service.replaceUser(ctx, id, readBody(event), ifMatch, query) : service.replaceGroup(ctx, id, readBody(event), ifMatch, query);
        case 'PATCH':
          return kind === 'User' ? service.patchUser(ctx, id, readBody(event), ifMatch, query) : service.patchGroup(ctx, id, readBody(event), ifMatch, query);
        case 'DELETE':
          return kind === 'User' ? service.deleteUser(ctx, id, ifMatch) : service.deleteGroup(ctx, id, ifMatch);
        default:
          throw methodNotAllowed(verb, rest);
      }
    }
    case 'serviceproviderconfig':
      if (verb !== 'GET') throw methodNotAllowed(verb, rest);
      if (id !== undefined) throw notFound(`no SCIM endpoint at ${rest}`);
      return { status: 200, body: serviceProviderConfig(ctx.links.base) };
    case 'schemas': {
      if (verb !== 'GET') throw methodNotAllowed(verb, rest);
      const all = schemas(ctx.links.base);
      if (id === undefined) return { status: 200, body: listOf(all) };
      const one = all.find((s) => s.id === id);
      if (!one) throw notFound(`schema ${id} not found`);
      return { status: 200, body: one };
    }
    case 'resourcetypes': {
      if (verb !== 'GET') throw methodNotAllowed(verb, rest);
      const all = resourceTypes(ctx.links.base);
      if (id === undefined) return { status: 200, body: listOf(all) };
      const one = all.find((s) => s.id === id);
      if (!one) throw notFound(`resource type ${id} not found`);
      return { status: 200, body: one };
    }
    case 'me':
      throw new ScimError(501, undefined, '/Me is not supported: SCIM tokens belong to a tenant, not to a user');
    case 'bulk':
      throw new ScimError(501, undefined, 'bulk operations are not supported (see ServiceProviderConfig)');
    default:
      throw notFound(`no SCIM endpoint at ${rest}`);
  }
}

const listOf = (resources: Record<string, unknown>[]) => ({ schemas: [SCHEMA.listResponse], totalResults: resources.length, itemsPerPage: resources.length, startIndex: 1, Resources: resources });
