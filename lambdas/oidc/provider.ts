import Provider, { errors, interactionPolicy, type KoaContextWithOIDC } from 'oidc-provider';
import { DynamoOidcAdapter } from '../adapters/dynamodb/oidc-adapter';
import type { DynamoContext } from '../adapters/dynamodb/operations';
import type { Clock } from '../core/clock';
import { appSecretMatches, type AppClient, type AppClientRepository } from '../core/oidc/apps';
import { AppCache } from './app-cache';
import { publishedKeys, type OidcKeyRing } from '../core/oidc/signing-keys';
import { SESSION_TTL_SEC } from '../saml/flows/shared';
import type { Logger } from '../http/logger';
import type { User } from '../core/identity/user';
import { activeAccount, CLAIMS_BY_SCOPE, type AccountDeps } from './account';
import type { LoginState } from './login-state';
import { logoutConfirmPage, logoutCsp, oidcErrorPage, PROVIDER_CSP, signedOutPage, widenFormAction } from './pages';

export interface ProviderDeps extends AccountDeps {
  readonly issuer: string;
  readonly ring: OidcKeyRing;
  readonly storage: DynamoContext;
  readonly apps: AppClientRepository;
  readonly loginState: LoginState;
  readonly clock: Clock;
  readonly logger: Logger;
  /** Revokes our app session (RP-initiated logout); the SessionStore's revoke. */
  readonly endAppSession: (cookie: string) => Promise<void>;
  readonly clearSessionCookie: string;
}

export const OIDC_PREFIX = '/oidc';
export const interactionPath = (uid: string): string => `${OIDC_PREFIX}/interaction/${uid}`;
const SCOPES = Object.keys(CLAIMS_BY_SCOPE);
const ALL_CLAIMS = Object.values(CLAIMS_BY_SCOPE).flat();

/** An app as oidc-provider's client metadata: code flow only, secret-based auth, RS256 ID tokens, sid in logout. */
function clientMetadata(app: AppClient): Record<string, unknown> {
  return {
    client_id: app.clientId,
    client_name: app.name,
    // The hash stands in for the secret: compareClientSecret below hashes what the app presents.
    client_secret: app.secretHash,
    redirect_uris: app.redirectUris,
    post_logout_redirect_uris: app.postLogoutRedirectUris,
    ...(app.backchannelLogoutUri ? { backchannel_logout_uri: app.backchannelLogoutUri, backchannel_logout_session_required: true } : {}),
    // initiate_login_uri is ours alone (the default app, saml/default-app.ts): oidc-provider never uses it and refuses http ones.
    grant_types: ['authorization_code'],
    response_types: ['code'],
    token_endpoint_auth_method: 'client_secret_basic',
    id_token_signed_response_alg: 'RS256',
    require_auth_time: true,
  };
}

/**
 * oidc-provider configured as this stack's OpenID Provider (docs/architecture.md, "OpenID Connect provider").
 * Our app session is the only login state: the login prompt also asks for a live natoma session of an
 * active user, of the same account, and sets the session's `sid` from it.
 */
export function createProvider(deps: ProviderDeps): Provider {
  const appCache = new AppCache(deps.apps, deps.clock);
  // The active user findAccount read in this request: the natoma_session check of the same authorize reuses it.
  const usersRead = new WeakMap<object, { accountId: string; user: User }>();
  const policy = interactionPolicy.base();
  policy.get('login')!.checks.add(
    new interactionPolicy.Check('natoma_session', 'a live natoma sign-in session is required', async (ctx) => {
      const read = usersRead.get(ctx);
      const live = await deps.loginState.current(ctx.cookies.get(deps.loginState.cookieName, { signed: false }), (accountId) => (read?.accountId === accountId ? read.user : undefined));
      if (!live || ctx.oidc.session?.accountId !== live.accountId) return interactionPolicy.Check.REQUEST_PROMPT;
      ctx.oidc.session.sidFor(ctx.oidc.client!.clientId, live.sid);
      return interactionPolicy.Check.NO_NEED_TO_PROMPT;
    }),
    0,
  );
  policy.remove('consent'); // the platform team registers its own apps: no consent screen

  const provider = new Provider(deps.issuer, {
    adapter: (name: string) => (name === 'Client' ? clientAdapter(appCache) : new DynamoOidcAdapter(deps.storage, name, () => new errors.InvalidGrant!(`${name} already used`))),
    clients: [],
    findAccount: async (ctx: object, accountId: string) => {
      const account = await activeAccount(deps, accountId);
      if (!account) return undefined;
      usersRead.set(ctx, { accountId, user: account.user });
      return { accountId, claims: account.claims };
    },
    claims: { ...CLAIMS_BY_SCOPE },
    scopes: SCOPES,
    conformIdTokenClaims: false,
    responseTypes: ['code'],
    clientAuthMethods: ['client_secret_basic', 'client_secret_post'],
    enabledJWA: {
      clientAuthSigningAlgValues: ['RS256'],
      idTokenSigningAlgValues: ['RS256'],
      requestObjectSigningAlgValues: ['RS256'],
      userinfoSigningAlgValues: ['RS256'],
      introspectionSigningAlgValues: ['RS256'],
      authorizationSigningAlgValues: ['RS256'],
    },
    pkce: { required: () => true },
    allowOmittingSingleRegisteredRedirectUri: false,
    jwks: { keys: publishedKeys(deps.ring) },
    cookies: {
      keys: [...deps.ring.cookieKeys],
      names: { session: 'natoma_oidc', interaction: 'natoma_oidc_interaction', resume: 'natoma_oidc_resume' },
    },
    ttl: { AccessToken: 600, AuthorizationCode: 60, IdToken: 3600, Interaction: 600, Session: SESSION_TTL_SEC, Grant: SESSION_TTL_SEC },
    interactions: { url: (_ctx: unknown, interaction: { uid: string }) => interactionPath(interaction.uid), policy },
    loadExistingGrant: async (ctx: KoaContextWithOIDC & { oidc: { provider: Provider } }) => {
      const clientId = ctx.oidc.client!.clientId;
      const accountId = ctx.oidc.session!.accountId!;
      const grant = new ctx.oidc.provider.Grant({ accountId, clientId });
      grant.addOIDCScope(SCOPES.join(' '));
      grant.addOIDCClaims(ALL_CLAIMS);
      await grant.save();
      return grant;
    },
    features: {
      devInteractions: { enabled: false },
      backchannelLogout: { enabled: true },
      pushedAuthorizationRequests: { enabled: false },
      resourceIndicators: { enabled: false },
      dPoP: { enabled: false },
      rpInitiatedLogout: {
        enabled: true,
        logoutSource: async (ctx: KoaContextWithOIDC, form: string) => {
          ctx.set('content-security-policy', logoutCsp(ctx.oidc.params?.post_logout_redirect_uri));
          ctx.body = logoutConfirmPage(form);
        },
        postLogoutSuccessSource: async (ctx: KoaContextWithOIDC) => {
          ctx.body = signedOutPage();
        },
      },
    },
    routes: {
      authorization: `${OIDC_PREFIX}/auth`,
      token: `${OIDC_PREFIX}/token`,
      jwks: `${OIDC_PREFIX}/jwks`,
      userinfo: `${OIDC_PREFIX}/me`,
      end_session: `${OIDC_PREFIX}/session/end`,
      revocation: `${OIDC_PREFIX}/token/revocation`,
      introspection: `${OIDC_PREFIX}/token/introspection`,
      pushed_authorization_request: `${OIDC_PREFIX}/request`,
      registration: `${OIDC_PREFIX}/reg`,
    },
    renderError: async (ctx: KoaContextWithOIDC, out: { error?: string }) => {
      ctx.type = 'html';
      ctx.body = oidcErrorPage(String(out.error ?? 'invalid_request'));
    },
    clientBasedCORS: () => false,
  });
  provider.proxy = true;

  // Hashed secrets: the app presents its secret, we compare hashes (the current one, or the previous within its grace).
  // The app is read again here, not taken from the cache: a deletion or a rotation with no grace refuses tokens at once.
  provider.Client.prototype.compareClientSecret = async function compareClientSecret(this: { clientId: string }, presented: string) {
    const app = await appCache.read(this.clientId);
    return Boolean(app && appSecretMatches(app, presented, deps.clock.now()));
  };
  // Every ID token carries our sid (contract C1), whether or not the app registered a back-channel logout URI.
  provider.Client.prototype.includeSid = () => true;
  // Back-channel logout tokens are sent by our EventSink on `session.ended` (backchannel-logout.ts), for every way a session ends.
  provider.Client.prototype.backchannelLogout = () => Promise.resolve();

  provider.use(async (ctx, next) => {
    ctx.set('content-security-policy', PROVIDER_CSP);
    await next();
    const autoPost = typeof ctx.body === 'string' && ctx.body.includes('<title>Submitting Callback</title>');
    if (autoPost && (ctx.oidc?.route === 'authorization' || ctx.oidc?.route === 'resume')) {
      ctx.set('content-security-policy', widenFormAction(String((ctx as unknown as { response: { get(name: string): string } }).response.get('content-security-policy')), ctx.oidc.params?.redirect_uri));
    }
    // RP-initiated logout ends OUR session too (the SessionStore's revoke emits session.ended).
    if (ctx.oidc?.route === 'end_session_confirm' && ctx.oidc.params?.logout && ctx.status >= 300 && ctx.status < 400) {
      const cookie = ctx.cookies.get(deps.loginState.cookieName, { signed: false });
      if (cookie) await deps.endAppSession(cookie);
      (ctx as unknown as { append(name: string, value: string): void }).append('set-cookie', deps.clearSessionCookie);
    }
  });
  provider.on('server_error', (_ctx, error) => deps.logger.error('oidc provider error', { error }));
  return provider;
}

/** Clients come from our table, through the container's app cache (app-cache.ts says for how long). */
function clientAdapter(apps: AppCache) {
  return {
    async find(clientId: string) {
      if (typeof clientId !== 'string' || clientId.length > 64) return undefined;
      const app = await apps.get(clientId);
      return app ? clientMetadata(app) : undefined;
    },
    upsert: () => Promise.reject(new Error('apps are registered with the operator API')),
    destroy: () => Promise.resolve(),
    consume: () => Promise.resolve(),
    revokeByGrantId: () => Promise.resolve(),
    findByUid: () => Promise.resolve(undefined),
    findByUserCode: () => Promise.resolve(undefined),
  };
}
