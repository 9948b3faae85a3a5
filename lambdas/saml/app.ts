import { createDynamoAdapters, type DocumentSender } from '../adapters/dynamodb/index';
import { systemClock, type Clock } from '../core/clock';
import type { SecretStore } from '../core/secrets';
import type { SignInWriter } from '../core/sessions/ports';
import { createLogger, type Logger } from '../http/logger';
import { requestCount } from '../http/metrics';
import { httpPipeline, type HttpHandler } from '../http/pipeline';
import type { Route } from '../http/routes';
import { SAML_MAX_BODY_BYTES, samlErrorAnswer } from './error-table';
import { loginBinding } from './login-binding';
import { samlRoutes } from './routes';
import { SpKeyringProvider } from './sp-credentials';
import { TenantCache, TENANT_CACHE_MS } from './tenant-cache';
import type { IdentityStores } from '../core/stores';
import { defaultAppLandingOf } from './default-app';
import type { AppClientRepository } from '../core/oidc/apps';

export interface SamlHandlerDeps extends IdentityStores {
  readonly secrets: SecretStore;
  /** Name of the SP keyring secret `{ current, next? }`. */
  readonly spSecretName: string;
  readonly clock?: Clock;
  readonly logger?: Logger;
  /** Public base URL of the API; derived from the request's domain when absent. */
  readonly publicBaseUrl?: string;
  /** Public base URL of the admin console (admin sign-in with SSO lands there). */
  readonly adminPublicUrl?: string;
  /** `local` (the twin): cookies without Secure, no HSTS, http metadata allowed. */
  readonly runtimeMode: 'local' | 'deployed';
  /** How long sign-in paths may reuse a tenant item read by this container (tenant-cache.ts); 0 turns the cache off. @default 5000 */
  readonly tenantCacheMs?: number;
  /** A sign-in's writes in one transaction (createDynamoAdapters provides it); step by step when absent. */
  readonly signIns?: SignInWriter;
  /** How long the SP keyring read from the secret is reused (a rotation step reaches this container within it). @default SP_KEYRING_CACHE_MS (5 min) */
  readonly spKeyringCacheMs?: number;
  /** The product's apps, for the default app (OIDC_DEFAULT_CLIENT_ID). */
  readonly apps?: AppClientRepository;
  /** The stage's default app: a sign-in no app started lands at its initiate-login URI. @default - the dashboard */
  readonly defaultAppClientId?: string;
}

/**
 * The SAML surface on the shared pipeline: sign-in page, SP metadata, SP- and IdP-initiated login, Test SAML,
 * the ACS, the dashboard and logout. `extraRoutes` lets a test add routes to the same pipeline.
 */
export function createSamlHandler(deps: SamlHandlerDeps, extraRoutes: readonly Route[] = []): HttpHandler {
  const clock = deps.clock ?? systemClock;
  const keyring = new SpKeyringProvider(deps.secrets, deps.spSecretName, clock, deps.spKeyringCacheMs);
  const tenantCache = new TenantCache(deps.tenants, deps.tenantCacheMs ?? TENANT_CACHE_MS);
  const adminConsoleUrl = deps.adminPublicUrl?.replace(/\/+$/, '');
  const flows = { ...deps, cachedTenants: tenantCache, keyring, clock, adminConsoleUrl };
  const defaultAppLanding = deps.apps && deps.defaultAppClientId ? defaultAppLandingOf(deps.apps, deps.defaultAppClientId) : undefined;
  const routes = samlRoutes({ ...deps, flows, tenantCache, clock, secureCookies: deps.runtimeMode !== 'local', binding: loginBinding(deps.runtimeMode !== 'local'), defaultAppLanding });
  return httpPipeline({
    logger: deps.logger ?? createLogger('saml', 'info'),
    routes: [...routes, ...extraRoutes],
    answerError: samlErrorAnswer,
    maxBodyBytes: SAML_MAX_BODY_BYTES,
    https: deps.runtimeMode !== 'local',
    requestMetrics: (request) => [requestCount('saml', request.status)],
  });
}

/** What the twin and the deployed handler hand to the SAML surface (same shape as the admin runtime). */
export interface SamlRuntime {
  readonly db: DocumentSender;
  readonly tableName: string;
  readonly secrets: SecretStore;
  readonly spKeySecretName: string;
  readonly publicBaseUrl?: string;
  readonly adminPublicUrl?: string;
  readonly runtimeMode: 'local' | 'deployed';
  readonly clock?: Clock;
  readonly logger?: Logger;
  readonly spKeyringCacheMs?: number;
  readonly defaultAppClientId?: string;
}

/** The composition root of the SAML surface over one DynamoDB table. */
export function composeSamlHandler(runtime: SamlRuntime): HttpHandler {
  const adapters = createDynamoAdapters({ db: runtime.db, tableName: runtime.tableName, clock: runtime.clock });
  return createSamlHandler({ ...adapters, ...runtime, spSecretName: runtime.spKeySecretName });
}
