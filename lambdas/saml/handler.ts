import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { z } from 'zod/v3';
import { createDocumentClient } from '../adapters/dynamodb/client';
import { createDynamoAdapters, type DocumentSender } from '../adapters/dynamodb/index';
import { SecretsManagerSecretStore } from '../adapters/secrets/secrets-manager-store';
import { systemClock, type Clock } from '../core/clock';
import { DomainError } from '../core/errors';
import { asTenantId, TENANT_ID_PATTERN } from '../core/ids';
import type { ActivityLog } from '../core/activity/events';
import type { GroupRepository, UserRepository } from '../core/identity/ports';
import { displayNameOf, primaryEmail } from '../core/identity/user';
import type { SecretStore } from '../core/secrets';
import type { EphemeralStore, SessionStore, SignInWriter } from '../core/sessions/ports';
import type { TenantRepository } from '../core/tenancy/ports';
import { emailDomain, type Tenant } from '../core/tenancy/tenant';
import { EnvName } from '../http/env-names';
import { loadEnv } from '../http/env';
import { createLogger, type Logger } from '../http/logger';
import { bodyBytes, bodyText, cookie, correlationIdOf, method, path, type HttpEvent, type HttpResult } from '../http/request';
import { clearCookie, html, json, redirect, setCookie, STRICT_CSP } from '../http/responses';
import { testTicketKey } from './configuration';
import { SamlLogin, SESSION_COOKIE, SESSION_TTL_SEC, safeRelay, sha256Hex, type LoginPurpose } from './login';
import { adminContinuePage, cannotStartPage, dashboardPage, errorPage, logoutConfirmPage, postBindingPage, signedOutPage, signInPage, testResultPage } from './pages';
import { SamlLoginError } from './saml-errors';
import { buildSpMetadata } from './sp-metadata';
import { SpKeyringProvider } from './sp-credentials';
import { TenantCache, TENANT_CACHE_MS } from './tenant-cache';
import { spUrls } from '../core/tenancy/urls';

/** The form body of an ACS POST may not exceed this (the SAMLResponse itself is bounded at 64 KB). */
const MAX_FORM_BYTES = 96 * 1024;

export interface SamlHandlerDeps {
  readonly tenants: TenantRepository;
  readonly users: UserRepository;
  readonly groups: GroupRepository;
  readonly sessions: SessionStore;
  readonly ephemeral: EphemeralStore;
  readonly activity: ActivityLog;
  readonly secrets: SecretStore;
  /** Name of the SP keyring secret `{ current, next? }`. */
  readonly spSecretName: string;
  readonly clock?: Clock;
  readonly logger?: Logger;
  /** Public base URL of the API; derived from the request's domain when absent. */
  readonly publicBaseUrl?: string;
  /** Public base URL of the admin console (admin sign-in with SSO lands there). */
  readonly adminPublicUrl?: string;
  /** `local` (the twin): cookies without Secure, http metadata allowed. */
  readonly runtimeMode: 'local' | 'deployed';
  /** How long sign-in paths may reuse a tenant item read by this container (tenant-cache.ts); 0 turns the cache off. @default 5000 */
  readonly tenantCacheMs?: number;
  /** A sign-in's writes in one transaction (createDynamoAdapters provides it); step by step when absent. */
  readonly signIns?: SignInWriter;
}

type Route = (event: HttpEvent, ctx: RequestContext, params: string[]) => Promise<HttpResult>;
interface RequestContext {
  readonly correlationId: string;
  readonly log: Logger;
  readonly apiBaseUrl: string;
}

/**
 * The SAML Lambda: sign-in page, SP metadata, SP-initiated and third-party-initiated login, Test SAML,
 * the ACS, the dashboard and logout (routes in docs/architecture.md).
 */
export function createSamlHandler(deps: SamlHandlerDeps): (event: HttpEvent) => Promise<HttpResult> {
  const clock = deps.clock ?? systemClock;
  const baseLogger = deps.logger ?? createLogger('saml', 'info');
  const keyring = new SpKeyringProvider(deps.secrets, deps.spSecretName, clock);
  const tenantCache = new TenantCache(deps.tenants, deps.tenantCacheMs ?? TENANT_CACHE_MS);
  const login = new SamlLogin({ ...deps, keyring, clock, cachedTenants: tenantCache });
  const secure = deps.runtimeMode !== 'local';
  const sessionCookie = (value: string) => setCookie(SESSION_COOKIE, value, { secure, maxAgeSec: SESSION_TTL_SEC, sameSite: 'Lax' });

  const adminBase = (): string => (deps.adminPublicUrl ?? '').replace(/\/+$/, '');

  /** `tenant` is the item the caller already read (the sign-in page, Test SAML), else read here (through the cache). */
  const beginLogin = async (tenantId: string, purpose: LoginPurpose, ctx: RequestContext, relay?: string, known?: Tenant): Promise<HttpResult> => {
    if (purpose === 'admin' && !deps.adminPublicUrl) {
      return html(404, errorPage('Admin sign-in with SSO unavailable', 'This deployment does not know the address of the admin console, so it cannot sign admins in with SSO. Use a one-time sign-in link instead.', ctx.correlationId));
    }
    const tenant = known ?? (TENANT_ID_PATTERN.test(tenantId) ? await tenantCache.get(asTenantId(tenantId)) : undefined);
    const config = purpose === 'test' ? tenant?.sso.draft : tenant?.sso.active;
    if (!tenant || !config) return html(200, cannotStartPage());
    const start = await login.start(tenant, config, purpose, ctx.apiBaseUrl, relay);
    if (start.kind === 'redirect') return redirect(start.location);
    return html(200, postBindingPage(start.url, start.fields), { csp: STRICT_CSP.replace("form-action 'self'", `form-action ${new URL(start.url).origin}`) });
  };

  const routes: [string, RegExp, Route][] = [
    ['GET', /^\/health$/, async () => json(200, { status: 'ok', service: 'saml' })],
    ['GET', /^\/$/, async () => redirect('/signin')],
    [
      'GET',
      /^\/signin$/,
      async (event, ctx) => {
        const email = event.queryStringParameters?.email;
        return email ? signIn(email, ctx) : html(200, signInPage());
      },
    ],
    ['POST', /^\/signin$/, async (event, ctx) => signIn(formOf(event).get('email') ?? '', ctx)],
    [
      'GET',
      /^\/saml\/([^/]+)\/metadata$/,
      async (_event, ctx, [tenantId]) => {
        const tenant = TENANT_ID_PATTERN.test(tenantId!) ? await tenantCache.get(asTenantId(tenantId!)) : undefined;
        if (!tenant) return html(404, errorPage('Not found', 'There is no service provider at this address.', ctx.correlationId));
        const xml = buildSpMetadata(spUrls(ctx.apiBaseUrl, tenant.id), await keyring.get(), { authnRequestsSigned: Boolean(tenant.sso.active?.wantAuthnRequestsSigned ?? tenant.sso.draft?.wantAuthnRequestsSigned) });
        return { statusCode: 200, headers: { 'content-type': 'application/samlmetadata+xml; charset=utf-8', 'cache-control': 'public, max-age=300', 'x-content-type-options': 'nosniff' }, body: xml };
      },
    ],
    [
      'GET',
      /^\/saml\/([^/]+)\/login$/,
      async (event, ctx, [tenantId]) => {
        const query = event.queryStringParameters ?? {};
        const purpose: LoginPurpose = query.for === 'admin' ? 'admin' : 'login';
        return beginLogin(tenantId!, purpose, ctx, relayFromTarget(query.target_link_uri, ctx.apiBaseUrl));
      },
    ],
    [
      'GET',
      /^\/saml\/([^/]+)\/test$/,
      async (event, ctx, [tenantId]) => {
        const ticket = event.queryStringParameters?.ticket ?? '';
        const stored = ticket ? await deps.ephemeral.take(testTicketKey(ticket)) : undefined;
        const record = stored ? (JSON.parse(stored) as { tenantId: string; configId: string }) : undefined;
        if (!record || record.tenantId !== tenantId) {
          return html(400, errorPage('Test link not valid', 'This Test SAML link was already used or has expired. Start Test SAML again from the SSO settings.', ctx.correlationId));
        }
        // Test SAML reads the tenant item itself, never the cache: the draft was saved a moment ago.
        const tenant = await tenantCache.fresh(asTenantId(tenantId!));
        if (!tenant || tenant.sso.draft?.configId !== record.configId) {
          return html(409, errorPage('Draft changed', 'The draft configuration changed after this test was started. Start Test SAML again.', ctx.correlationId));
        }
        return beginLogin(tenantId!, 'test', ctx, undefined, tenant);
      },
    ],
    ['POST', /^\/saml\/([^/]+)\/acs$/, async (event, ctx, [tenantId]) => acs(event, ctx, tenantId!)],
    ['GET', /^\/dashboard$/, async (event, ctx) => dashboard(event, ctx)],
    ['GET', /^\/logout$/, async () => html(200, logoutConfirmPage())],
    [
      'POST',
      /^\/logout$/,
      async (event) => {
        const value = cookie(event, SESSION_COOKIE);
        if (value) await deps.sessions.revoke(sha256Hex(value));
        return html(200, signedOutPage(), { cookies: [clearCookie(SESSION_COOKIE, secure)] });
      },
    ],
  ];

  async function signIn(rawEmail: string, ctx: RequestContext): Promise<HttpResult> {
    const email = rawEmail.trim().slice(0, 320);
    const domain = emailDomain(email);
    if (!domain) return html(400, signInPage({ email, message: 'Enter your work email address, like name@example.com.' }));
    const tenant = await tenantCache.findByDomain(domain);
    // Unknown domain and inactive SSO get the same page: the sign-in form must not reveal which organisations exist.
    if (!tenant || !tenant.sso.active) return html(200, cannotStartPage(email));
    return beginLogin(tenant.id, 'login', ctx, undefined, tenant);
  }

  async function acs(event: HttpEvent, ctx: RequestContext, tenantId: string): Promise<HttpResult> {
    if (!TENANT_ID_PATTERN.test(tenantId)) return html(404, errorPage('Not found', 'There is no service provider at this address.', ctx.correlationId));
    if (bodyBytes(event) > MAX_FORM_BYTES) return html(413, errorPage('Sign-in response too large', 'The SAML response is larger than 64 KB and was not read.', ctx.correlationId));
    try {
      const outcome = await login.consume(asTenantId(tenantId), formOf(event).get('SAMLResponse') ?? undefined, ctx.apiBaseUrl, ctx.correlationId);
      if (outcome.kind === 'session') {
        ctx.log.info('login succeeded', { tenantId, userId: outcome.user.id });
        return { statusCode: 303, headers: { location: outcome.location, 'cache-control': 'no-store' }, cookies: [sessionCookie(outcome.cookieValue)] };
      }
      if (outcome.kind === 'admin-link') {
        // A page on our origin, not a redirect: see adminContinuePage (the IdP page's form-action binds redirects).
        return html(200, adminContinuePage(`${adminBase()}/login?token=${encodeURIComponent(outcome.code)}`));
      }
      const passed = outcome.outcome.status === 'passed';
      ctx.log.info('saml test finished', { tenantId, passed, recorded: outcome.recorded });
      return html(passed ? 200 : 422, testResultPage({ tenantName: outcome.tenant.name, passed, problems: outcome.outcome.status === 'failed' ? outcome.outcome.problems : [], attributes: outcome.outcome.status === 'passed' ? outcome.outcome.attributes : undefined, nameId: outcome.outcome.status === 'passed' ? outcome.outcome.nameId : undefined, correlationId: ctx.correlationId }));
    } catch (error) {
      if (!(error instanceof SamlLoginError)) throw error;
      ctx.log.warn('saml response refused', { tenantId, code: error.code });
      await login.recordFailure(asTenantId(tenantId), error, ctx.correlationId);
      if (error.code === 'not-admin') {
        return html(error.statusCode, errorPage('Not an administrator', error.message, ctx.correlationId, { href: `${adminBase()}/login`, label: 'Back to the admin console sign-in' }));
      }
      return html(error.statusCode, errorPage('Sign-in failed', error.message, ctx.correlationId));
    }
  }

  async function dashboard(event: HttpEvent, ctx: RequestContext): Promise<HttpResult> {
    const value = cookie(event, SESSION_COOKIE);
    const session = value ? await deps.sessions.get(sha256Hex(value)) : undefined;
    if (!session || session.kind !== 'app' || Date.parse(session.expiresAt) <= clock.now().getTime()) {
      return redirect('/signin', value ? [clearCookie(SESSION_COOKIE, secure)] : undefined);
    }
    const [user, tenant] = await Promise.all([deps.users.get(session.tenantId, session.userId), deps.tenants.get(session.tenantId)]);
    if (!user || !user.active || !tenant) {
      await deps.sessions.revoke(session.sessionHash);
      return redirect('/signin', [clearCookie(SESSION_COOKIE, secure)]);
    }
    const groups = await deps.groups.groupsOfUser(session.tenantId, session.userId);
    ctx.log.debug('dashboard', { tenantId: tenant.id });
    return html(200, dashboardPage({ name: displayNameOf(user), email: primaryEmail(user) ?? user.userName, tenantName: tenant.name, tenantId: tenant.id, groups: groups.map((g) => g.displayName).sort() }));
  }

  return async (event: HttpEvent): Promise<HttpResult> => {
    const correlationId = correlationIdOf(event);
    const log = baseLogger.child({ correlationId });
    const apiBaseUrl = (deps.publicBaseUrl ?? `https://${event.requestContext.domainName}`).replace(/\/+$/, '');
    const ctx: RequestContext = { correlationId, log, apiBaseUrl };
    const requestPath = path(event);
    const verb = method(event);
    try {
      let pathMatched = false;
      for (const [routeMethod, pattern, route] of routes) {
        const match = pattern.exec(requestPath);
        if (!match) continue;
        pathMatched = true;
        if (routeMethod === verb || (routeMethod === 'GET' && verb === 'HEAD')) return withCorrelation(await route(event, ctx, match.slice(1)), correlationId);
      }
      if (pathMatched) return withCorrelation({ ...html(405, errorPage('Method not allowed', 'This address does not accept that kind of request.', correlationId)) }, correlationId);
      return withCorrelation(html(404, errorPage('Not found', 'There is nothing at this address.', correlationId)), correlationId);
    } catch (error) {
      if (error instanceof DomainError && error.kind !== 'precondition-failed') {
        log.warn('request refused', { kind: error.kind, error });
        return withCorrelation(html(400, errorPage('Request refused', error.message, correlationId)), correlationId);
      }
      log.error('unexpected error', { error, path: requestPath });
      return withCorrelation(html(500, errorPage('Something went wrong', 'We could not complete this request. Please try again in a moment.', correlationId)), correlationId);
    }
  };
}

function withCorrelation(result: HttpResult, correlationId: string): HttpResult {
  return { ...result, headers: { ...result.headers, 'x-correlation-id': correlationId } };
}

function formOf(event: HttpEvent): URLSearchParams {
  if (bodyBytes(event) > MAX_FORM_BYTES) return new URLSearchParams();
  return new URLSearchParams(bodyText(event) ?? '');
}

/** target_link_uri may only name one of our own pages; anything else lands on the dashboard. */
function relayFromTarget(target: string | undefined, apiBaseUrl: string): string | undefined {
  if (!target) return undefined;
  try {
    const url = new URL(target, apiBaseUrl);
    if (url.origin !== new URL(apiBaseUrl).origin) return undefined;
    return safeRelay(url.pathname + url.search);
  } catch {
    return undefined;
  }
}

export const samlEnvSchema = z.object({
  [EnvName.tableName]: z.string().min(1),
  [EnvName.spKeySecretName]: z.string().min(1),
  [EnvName.publicBaseUrl]: z.string().url().optional(),
  [EnvName.adminPublicUrl]: z.string().url().optional(),
  [EnvName.runtimeMode]: z.enum(['local', 'deployed']).default('deployed'),
  [EnvName.logLevel]: z.string().optional(),
  DYNAMODB_ENDPOINT: z.string().url().optional(),
});

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
}

/** The composition root of the SAML surface over one DynamoDB table. */
export function composeSamlHandler(runtime: SamlRuntime): (event: HttpEvent, context?: unknown) => Promise<HttpResult> {
  const adapters = createDynamoAdapters({ db: runtime.db, tableName: runtime.tableName, clock: runtime.clock });
  return createSamlHandler({ ...adapters, ...runtime, spSecretName: runtime.spKeySecretName });
}

let deployed: ((event: HttpEvent) => Promise<HttpResult>) | undefined;

/** The deployed handler: environment validated and clients built once per container, at the first request. */
export const handler = async (event: HttpEvent): Promise<HttpResult> => {
  if (!deployed) {
    const env = loadEnv(samlEnvSchema);
    deployed = composeSamlHandler({
      db: createDocumentClient({ endpoint: env.DYNAMODB_ENDPOINT }),
      tableName: env[EnvName.tableName],
      secrets: new SecretsManagerSecretStore(new SecretsManagerClient({})),
      spKeySecretName: env[EnvName.spKeySecretName],
      publicBaseUrl: env[EnvName.publicBaseUrl],
      adminPublicUrl: env[EnvName.adminPublicUrl],
      runtimeMode: env[EnvName.runtimeMode],
      logger: createLogger('saml', env[EnvName.logLevel]),
    });
  }
  return deployed(event);
};
