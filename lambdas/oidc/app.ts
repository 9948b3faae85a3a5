import type { Provider } from 'oidc-provider';
import { createDynamoAdapters, type DocumentSender } from '../adapters/dynamodb/index';
import type { DynamoContext } from '../adapters/dynamodb/operations';
import { systemClock, type Clock } from '../core/clock';
import { sha256Hex } from '../core/digest';
import type { AppClientRepository } from '../core/oidc/apps';
import type { SecretStore } from '../core/secrets';
import type { IdentityStores } from '../core/stores';
import { clearCookie } from '../http/cookies';
import { createLogger, type Logger } from '../http/logger';
import { requestCount } from '../http/metrics';
import { httpPipeline, type HttpHandler } from '../http/pipeline';
import { route, type Route, type RouteRequest } from '../http/routes';
import { runNodeHandler } from './bridge';
import { OIDC_MAX_BODY_BYTES, oidcErrorAnswer } from './error-table';
import { interaction } from './interaction';
import { loginState } from './login-state';
import { createProvider } from './provider';
import { OidcKeyringProvider } from './signing-keyring';

export interface OidcHandlerDeps extends IdentityStores, Omit<OidcRuntime, 'db' | 'tableName'> {
  readonly apps: AppClientRepository;
  readonly storage: DynamoContext;
}

/**
 * The OIDC surface on the shared pipeline: oidc-provider (Koa) runs behind the outer middlewares through the
 * event ⇄ req/res bridge; the provider is rebuilt when the signing key ring changes.
 */
export function createOidcHandler(deps: OidcHandlerDeps): HttpHandler {
  const clock = deps.clock ?? systemClock;
  const logger = deps.logger ?? createLogger('oidc', 'info');
  const secureCookies = deps.runtimeMode !== 'local';
  const keyring = new OidcKeyringProvider(deps.secrets, deps.signingKeySecretName, clock, deps.keyringCacheMs);
  const state = loginState({ sessions: deps.sessions, users: deps.users, clock, secureCookies });
  let built: { text: string; issuer: string; provider: Provider; callback: ReturnType<Provider['callback']> } | undefined;

  const issuerOf = (request: RouteRequest): string => (deps.publicBaseUrl ?? `https://${request.event.requestContext.domainName}`).replace(/\/+$/, '');
  const providerFor = async (request: RouteRequest) => {
    const issuer = issuerOf(request);
    const { text, ring } = await keyring.get();
    if (built?.text !== text || built.issuer !== issuer) {
      const provider = createProvider({
        ...deps,
        issuer,
        ring,
        clock,
        logger,
        loginState: state,
        endAppSession: (cookie) => deps.sessions.revoke(sha256Hex(cookie), 'rp-logout'),
        clearSessionCookie: clearCookie(state.cookieName, secureCookies),
      });
      built = { text, issuer, provider, callback: provider.callback() };
    }
    return built;
  };
  const mounted = async (request: RouteRequest) => {
    const { callback, issuer } = await providerFor(request);
    return runNodeHandler(request.event, callback, issuer);
  };

  const routes: Route[] = [
    route('GET', '/.well-known/openid-configuration', mounted),
    route('GET', '/oidc/interaction/{uid}', async (request) => interaction(request.event, request.params.uid ?? '', (await providerFor(request)).provider, state, request.cookies[state.cookieName], secureCookies)),
    route('GET', '/oidc/{proxy+}', mounted),
    route('POST', '/oidc/{proxy+}', mounted),
  ];
  return httpPipeline({
    logger,
    routes,
    answerError: oidcErrorAnswer,
    maxBodyBytes: OIDC_MAX_BODY_BYTES,
    https: secureCookies,
    requestMetrics: (request) => [requestCount('oidc', request.status)],
  });
}

/** What the twin and the deployed handler hand to the OIDC surface. */
export interface OidcRuntime {
  readonly db: DocumentSender;
  readonly tableName: string;
  readonly secrets: SecretStore;
  readonly signingKeySecretName: string;
  /** The issuer; derived from the request's domain when absent. */
  readonly publicBaseUrl?: string;
  readonly runtimeMode: 'local' | 'deployed';
  readonly clock?: Clock;
  readonly logger?: Logger;
  /** How long the signing key ring read from the secret is reused. @default OIDC_KEYRING_CACHE_MS (5 min) */
  readonly keyringCacheMs?: number;
}

export function composeOidcHandler(runtime: OidcRuntime): HttpHandler {
  const clock = runtime.clock ?? systemClock;
  const adapters = createDynamoAdapters({ db: runtime.db, tableName: runtime.tableName, clock });
  return createOidcHandler({ ...adapters, ...runtime, clock, storage: { db: runtime.db, tableName: runtime.tableName, clock } });
}
