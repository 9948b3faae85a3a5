import { TooManyRequestsError } from '../core/errors';
import { actingAs } from '../core/events/change-context';
import type { Group } from '../core/identity/group';
import type { User } from '../core/identity/user';
import { RequestError } from '../http/errors';
import { header, type HttpResult } from '../http/request';
import { safeJson } from '../http/responses';
import { route, type HttpMethod, type Route, type RouteRequest } from '../http/routes';
import type { ScimAuthenticator } from './auth';
import type { ListQuery, ScimContext, ScimResponse } from './context';
import { resourceTypes, schemas, serviceProviderConfig } from './discovery';
import { isObject } from './filter-eval';
import type { TenantRateLimiter } from './rate-limit';
import { SCHEMA } from './schema';
import { invalidSyntax, notFound, ScimError, tooMany } from './scim-error';
import type { Search, SearchableResource } from './search';

/** The resource endpoints Users and Groups both offer (RFC 7644 §3.3–3.6). */
interface ResourceEndpoints<T extends { readonly id: string }> extends SearchableResource<T> {
  create(ctx: ScimContext, body: unknown, query: ListQuery): Promise<ScimResponse>;
  get(ctx: ScimContext, id: string, query: ListQuery): Promise<ScimResponse>;
  replace(ctx: ScimContext, id: string, body: unknown, ifMatch: string | undefined, query: ListQuery): Promise<ScimResponse>;
  patch(ctx: ScimContext, id: string, body: unknown, ifMatch: string | undefined, query: ListQuery): Promise<ScimResponse>;
  delete(ctx: ScimContext, id: string, ifMatch: string | undefined): Promise<ScimResponse>;
}

/** What the routes are built from, once per container. */
export interface ScimSurface {
  readonly auth: ScimAuthenticator;
  readonly limiter?: TenantRateLimiter;
  /** API base URL (no trailing slash); derived from the request's domain when absent. */
  readonly publicBaseUrl?: string;
  readonly users: ResourceEndpoints<User>;
  readonly groups: ResourceEndpoints<Group>;
  readonly search: Search;
}

type ScimRouteHandler = (request: RouteRequest, ctx: ScimContext) => Promise<ScimResponse>;

const BASE = '/scim/v2/{tenantId}';
const ALL_METHODS: readonly HttpMethod[] = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'];
const MAX_RESPONSE_BYTES = 1_048_576;
const QUERY_NAMES = ['filter', 'startIndex', 'count', 'cursor', 'attributes', 'excludedAttributes'] as const;

/** The SCIM route table; every route first goes through the same bearer-token and rate-limit step. */
export function scimRoutes(surface: ScimSurface): Route[] {
  const on = (method: HttpMethod, path: string, handler: ScimRouteHandler): Route =>
    route(method, `${BASE}${path}`, async (request) => {
      const ctx = await authorise(surface, request);
      // The token acts: the directory events the writes of this request carry name it.
      return toHttp(await actingAs({ actor: ctx.actor, ...(ctx.correlationId ? { correlationId: ctx.correlationId } : {}) }, () => handler(request, ctx)));
    });
  const ok = async (body: unknown): Promise<ScimResponse> => ({ status: 200, body });
  const resource = <T extends { readonly id: string }>(path: string, endpoints: ResourceEndpoints<T>): Route[] => [
    on('GET', path, (request, ctx) => surface.search.list(endpoints, ctx, listQuery(request))),
    on('POST', path, (request, ctx) => endpoints.create(ctx, resourceBody(request), listQuery(request))),
    on('POST', `${path}/.search`, (request, ctx) => surface.search.list(endpoints, ctx, searchQuery(resourceBody(request)))),
    on('GET', `${path}/{id}`, async (request, ctx) => notModified(request, await endpoints.get(ctx, request.params.id!, listQuery(request)))),
    on('PUT', `${path}/{id}`, (request, ctx) => endpoints.replace(ctx, request.params.id!, resourceBody(request), ifMatch(request), listQuery(request))),
    on('PATCH', `${path}/{id}`, (request, ctx) => endpoints.patch(ctx, request.params.id!, resourceBody(request), ifMatch(request), listQuery(request))),
    on('DELETE', `${path}/{id}`, (request, ctx) => endpoints.delete(ctx, request.params.id!, ifMatch(request))),
  ];
  const unsupported = (path: string, detail: string): Route[] =>
    ALL_METHODS.map((method) =>
      on(method, path, async () => {
        throw new ScimError(501, undefined, detail);
      }),
    );
  return [
    ...resource('/Users', surface.users),
    ...resource('/Groups', surface.groups),
    on('GET', '/ServiceProviderConfig', (_request, ctx) => ok(serviceProviderConfig(ctx.links.base))),
    on('GET', '/Schemas', (_request, ctx) => ok(listOf(schemas(ctx.links.base)))),
    on('GET', '/Schemas/{id}', (request, ctx) => ok(oneOf(schemas(ctx.links.base), request.params.id!, 'schema'))),
    on('GET', '/ResourceTypes', (_request, ctx) => ok(listOf(resourceTypes(ctx.links.base)))),
    on('GET', '/ResourceTypes/{id}', (request, ctx) => ok(oneOf(resourceTypes(ctx.links.base), request.params.id!, 'resource type'))),
    ...unsupported('/Me', '/Me is not supported: SCIM tokens belong to a tenant, not to a user'),
    ...unsupported('/Bulk', 'bulk operations are not supported (see ServiceProviderConfig)'),
  ];
}

/** Bearer token of this tenant (401), then the tenant's rate (429): who is asking, and how to name things. */
async function authorise(surface: ScimSurface, request: RouteRequest): Promise<ScimContext> {
  const { tenant, tokenId } = await surface.auth.authenticate(request.params.tenantId ?? '', header(request.event, 'authorization'));
  const actor = `scim-token:${tokenId}`;
  const wait = surface.limiter?.take(tenant.id);
  if (wait !== undefined) throw new TooManyRequestsError(`too many requests for this tenant: retry after ${wait} s`, wait);
  request.log.info('scim request', { tenantId: tenant.id, actor });
  const origin = (surface.publicBaseUrl ?? `https://${request.event.requestContext.domainName}`).replace(/\/$/, '');
  return { tenantId: tenant.id, actor, links: { base: `${origin}/scim/v2/${tenant.id}` }, correlationId: request.correlationId };
}

/** A SCIM resource body: JSON (any `+json` type), or JSON sent without a content type; anything else is 415. */
function resourceBody(request: RouteRequest): unknown {
  const { body } = request;
  if (body.kind === 'json') return body.value;
  if (body.kind === 'none') throw invalidSyntax('a JSON body is required');
  if (body.kind === 'text' && body.contentType === '') {
    try {
      return JSON.parse(body.value) as unknown;
    } catch {
      throw invalidSyntax('the body is not valid JSON');
    }
  }
  throw new RequestError('unsupported-media-type', 'send the body as application/scim+json');
}

/** Query parameter names are matched case-insensitively, like SCIM attribute names. */
function listQuery(request: RouteRequest): ListQuery {
  const byName = new Map(Object.entries(request.query).map(([key, value]) => [key.toLowerCase(), value ?? '']));
  const query: Record<string, string> = {};
  for (const name of QUERY_NAMES) {
    const value = byName.get(name.toLowerCase());
    if (value !== undefined) query[name] = value;
  }
  return query;
}

/** A SearchRequest (RFC 7644 §3.4.3) as the query of a GET: lists of attributes become comma-separated. */
function searchQuery(body: unknown): ListQuery {
  const fields = isObject(body) ? body : {};
  const query: Record<string, string> = {};
  for (const name of QUERY_NAMES) {
    const value = fields[name];
    if (value !== undefined && value !== null) query[name] = Array.isArray(value) ? value.join(',') : String(value);
  }
  return query;
}

const ifMatch = (request: RouteRequest): string | undefined => header(request.event, 'if-match');

/** If-None-Match naming the current version (weak comparison, RFC 9110 §13.1.2) or `*`: 304 with the ETag, no body. */
function notModified(request: RouteRequest, response: ScimResponse): ScimResponse {
  const ifNoneMatch = header(request.event, 'if-none-match');
  const etag = response.headers?.etag;
  if (ifNoneMatch === undefined || etag === undefined || response.status !== 200) return response;
  const opaque = (tag: string) => tag.trim().replace(/^W\//, '');
  const tags = ifNoneMatch.split(',').map(opaque);
  return tags.includes('*') || tags.includes(opaque(etag)) ? { status: 304, headers: { etag } } : response;
}

function toHttp(response: ScimResponse): HttpResult {
  const headers: Record<string, string> = { 'cache-control': 'no-store', ...response.headers };
  if (response.body === undefined) return { statusCode: response.status, headers };
  const body = safeJson(response.body);
  if (Buffer.byteLength(body, 'utf8') > MAX_RESPONSE_BYTES) throw tooMany('the response would exceed 1 MB: ask for fewer resources (count) or fewer attributes');
  return { statusCode: response.status, headers: { 'content-type': 'application/scim+json; charset=utf-8', ...headers }, body };
}

const listOf = (resources: Record<string, unknown>[]) => ({ schemas: [SCHEMA.listResponse], totalResults: resources.length, itemsPerPage: resources.length, startIndex: 1, Resources: resources });

function oneOf(all: Record<string, unknown>[], id: string, what: string): Record<string, unknown> {
  const one = all.find((entry) => entry.id === id);
  if (!one) throw notFound(`${what} ${id} not found`);
  return one;
}
