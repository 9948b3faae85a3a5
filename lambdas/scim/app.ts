import { systemClock, type Clock } from '../core/clock';
import { UserLifecycle } from '../core/identity/lifecycle';
import { ProvisioningActivity } from '../core/identity/provisioning-activity';
import type { SecretStore } from '../core/secrets';
import type { ScimTokenRepository } from '../core/tenancy/ports';
import { Logger } from '../http/logger';
import { httpPipeline, type HttpHandler } from '../http/pipeline';
import type { HttpEvent, HttpResult } from '../http/request';
import type { Route } from '../http/routes';
import { ScimAuthenticator } from './auth';
import { SCIM_MAX_BODY_BYTES, scimErrorAnswer } from './error-table';
import { ScimGroups } from './groups';
import { Memberships } from './memberships';
import { DEFAULT_RATE_LIMIT, TenantRateLimiter, type RateLimitOptions } from './rate-limit';
import { scimRequestMetrics } from './metrics';
import { scimRoutes } from './routes';
import { Search } from './search';
import { ScimUsers } from './users';
import type { IdentityStores } from '../core/stores';

export interface ScimHandlerDeps extends IdentityStores {
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
  /** Removals a full replace of members makes before answering; the rest finish in the background. @default INLINE_REPLACE_REMOVALS */
  readonly inlineReplaceRemovals?: number;
}

export type ScimHandler = (event: HttpEvent) => Promise<HttpResult>;

/**
 * The SCIM 2.0 surface on `/scim/v2/{tenantId}/…` as the shared pipeline, built from its ports; `extraRoutes`
 * lets tests add routes that answer through the same error table.
 */
export function scimPipeline(deps: ScimHandlerDeps, extraRoutes: readonly Route[] = []): HttpHandler {
  const clock = deps.clock ?? systemClock;
  const activity = new ProvisioningActivity(deps.activity, clock);
  const memberships = new Memberships(deps);
  const lifecycle = new UserLifecycle({ users: deps.users, sessions: deps.sessions, activity });
  const routes = scimRoutes({
    auth: new ScimAuthenticator({ tenants: deps.tenants, scimTokens: deps.scimTokens, secrets: deps.secrets, secretPrefix: deps.secretPrefix, clock, ttlMs: deps.tokenCacheTtlMs }),
    limiter: deps.rateLimit === false ? undefined : new TenantRateLimiter(deps.rateLimit ?? DEFAULT_RATE_LIMIT, clock),
    publicBaseUrl: deps.publicBaseUrl,
    users: new ScimUsers({ users: deps.users, groups: deps.groups, memberships, lifecycle, clock }),
    groups: new ScimGroups({ groups: deps.groups, memberships, activity, clock }),
    search: new Search({ ephemeral: deps.ephemeral, clock }),
  });
  return httpPipeline({
    logger: deps.logger ?? new Logger({ service: 'scim' }),
    routes: [...routes, ...extraRoutes],
    answerError: scimErrorAnswer,
    maxBodyBytes: SCIM_MAX_BODY_BYTES,
    // Deployed behind API Gateway (https); the twin passes its http:// base URL.
    https: !deps.publicBaseUrl?.startsWith('http://'),
    requestMetrics: scimRequestMetrics,
  });
}

/** The Lambda's `handler` and the local twin both use this, so there is one code path. */
export function createScimHandler(deps: ScimHandlerDeps): ScimHandler {
  const pipeline = scimPipeline(deps);
  return (event) => pipeline(withCanonicalEndpoint(event));
}

const ENDPOINTS = ['Users', 'Groups', 'ServiceProviderConfig', 'Schemas', 'ResourceTypes', 'Me', 'Bulk'];
const ENDPOINT_SEGMENT = new RegExp(`^(/scim/v2/[^/]+/)(${ENDPOINTS.join('|')})(?=/|$)`, 'i');

/** Clients differ in the case of endpoint names (`/users`); the route table spells them as RFC 7644 does. */
function withCanonicalEndpoint(event: HttpEvent): HttpEvent {
  const canonical = (path: string) => path.replace(ENDPOINT_SEGMENT, (_match, base: string, name: string) => base + ENDPOINTS.find((known) => known.toLowerCase() === name.toLowerCase()));
  const rawPath = canonical(event.rawPath ?? '');
  if (rawPath === event.rawPath) return event;
  return { ...event, rawPath, requestContext: { ...event.requestContext, http: { ...event.requestContext.http, path: canonical(event.requestContext.http.path) } } };
}
