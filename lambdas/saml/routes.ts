import { z } from 'zod/v3';
import type { Clock } from '../core/clock';
import { NotFoundError } from '../core/errors';
import { asTenantId, TENANT_ID_PATTERN, type TenantId } from '../core/ids';
import type { GroupRepository, UserRepository } from '../core/identity/ports';
import { displayNameOf, primaryEmail } from '../core/identity/user';
import { sha256Hex } from '../core/digest';
import type { SessionStore } from '../core/sessions/ports';
import type { TenantRepository } from '../core/tenancy/ports';
import { emailDomain, type Tenant } from '../core/tenancy/tenant';
import { spUrls } from '../core/tenancy/urls';
import { clearCookie, hostCookieName, setCookie } from '../http/cookies';
import { RequestError } from '../http/errors';
import { fromOwnOrigin } from '../http/same-origin';
import type { HttpResult } from '../http/request';
import { json, redirect } from '../http/responses';
import { route, type Route, type RouteRequest } from '../http/routes';
import { consumeResponse } from './flows/acs';
import { logoutTokenMatches, logoutTokenOf, SESSION_COOKIE, SESSION_TTL_SEC, safeRelay, type AcsOutcome, type LoginPurpose, type SignInDeps } from './flows/shared';
import { startLogin } from './flows/sp-initiated';
import { openTest } from './flows/test-saml';
import { adminContinuePage, appContinuePage, cannotStartPage, dashboardPage, logoutConfirmPage, pageAnswer, postBindingAnswer, signedOutPage, signInPage, testResultPage } from './pages';
import { SamlLoginError } from './saml-errors';
import type { LoginBinding } from './login-binding';
import type { LoginStart } from './saml-provider';
import { buildSpMetadata } from './sp-metadata';
import type { TenantCache } from './tenant-cache';

/** What the SAML routes work with, built once per container by app.ts. */
export interface SamlSurface {
  readonly flows: SignInDeps;
  readonly tenantCache: TenantCache;
  readonly tenants: TenantRepository;
  readonly users: UserRepository;
  readonly groups: GroupRepository;
  readonly sessions: SessionStore;
  readonly clock: Clock;
  /** Cookies with Secure (everywhere but the http twin). */
  readonly secureCookies: boolean;
  /** Public base URL of the API; the request's domain when absent. */
  readonly publicBaseUrl?: string;
  /** The cookie that binds an SP-initiated login to the browser that started it. */
  readonly binding: LoginBinding;
  /** Where a sign-in no app started lands instead of the dashboard: the default app's initiate-login URI (issuer, email). */
  readonly defaultAppLanding?: (issuer: string, email: string) => Promise<string | undefined>;
}

// The edge: what a query or form may hold, checked before any rule sees it.
const emailQuery = z.object({ email: z.string().optional(), return: z.string().optional() });
const emailForm = z.object({ email: z.string().default(''), return: z.string().optional() });
const loginQuery = z.object({ for: z.string().optional(), target_link_uri: z.string().optional() });
const testQuery = z.object({ ticket: z.string().default('') });
const acsForm = z.object({ SAMLResponse: z.string().optional() });

/** The route table of the SAML surface (docs/architecture.md lists the same). */
export function samlRoutes(surface: SamlSurface): Route[] {
  const { flows, tenantCache } = surface;
  const sessionCookie = hostCookieName(SESSION_COOKIE, surface.secureCookies);
  const apiBaseUrl = (request: RouteRequest): string => (surface.publicBaseUrl ?? `https://${request.event.requestContext.domainName}`).replace(/\/+$/, '');

  /** The way to the IdP with the browser's login binding, or the neutral page when the tenant has no configuration to start with. */
  const beginLogin = async (request: RouteRequest, begin: (binding: string) => Promise<LoginStart | undefined>): Promise<HttpResult> => {
    const binding = surface.binding.valueFor(request.cookies);
    const start = await begin(binding);
    if (!start) return pageAnswer(200, cannotStartPage());
    const cookies = [surface.binding.cookie(binding, apiBaseUrl(request))];
    return start.kind === 'redirect' ? redirect(start.location, cookies) : postBindingAnswer(start.url, start.fields, cookies);
  };

  const signIn = async (rawEmail: string, request: RouteRequest, returnTo?: string): Promise<HttpResult> => {
    const email = rawEmail.trim().slice(0, 320);
    const domain = emailDomain(email);
    if (!domain) return pageAnswer(400, signInPage({ email, returnTo, message: 'Enter your work email address, like name@example.com.' }));
    const tenant = await tenantCache.findByDomain(domain);
    // Unknown domain and inactive SSO get the same page: the sign-in form must not reveal which organisations exist.
    if (!tenant || !tenant.sso.active) return pageAnswer(200, cannotStartPage(email));
    return beginLogin(request, (binding) => startLogin(flows, tenant, 'login', apiBaseUrl(request), binding, returnTo));
  };

  return [
    route('GET', '/health', async () => json(200, { status: 'ok', service: 'saml' })),
    route('GET', '/', async () => redirect('/signin')),
    route('GET', '/signin', async (request) => {
      const query = edge(emailQuery, request.query);
      const returnTo = safeRelay(query.return);
      return query.email ? signIn(query.email, request, returnTo) : pageAnswer(200, signInPage({ returnTo }));
    }),
    route('POST', '/signin', async (request) => {
      const form = edge(emailForm, formOf(request));
      return signIn(form.email, request, safeRelay(form.return));
    }),
    route('GET', '/saml/{tenantId}/metadata', async (request) => {
      const tenant = await knownTenant(tenantCache, request.params.tenantId);
      const authnRequestsSigned = Boolean(tenant.sso.active?.wantAuthnRequestsSigned ?? tenant.sso.draft?.wantAuthnRequestsSigned);
      const xml = buildSpMetadata(spUrls(apiBaseUrl(request), tenant.id), await flows.keyring.get(), { authnRequestsSigned });
      return { statusCode: 200, headers: { 'content-type': 'application/samlmetadata+xml; charset=utf-8', 'cache-control': 'public, max-age=300' }, body: xml };
    }),
    route('GET', '/saml/{tenantId}/login', async (request) => {
      const query = edge(loginQuery, request.query);
      const purpose: LoginPurpose = query.for === 'admin' ? 'admin' : 'login';
      if (purpose === 'admin' && !flows.adminConsoleUrl) {
        throw new SamlLoginError('admin-sso-unavailable', 'This deployment does not know the address of the admin console, so it cannot sign admins in with SSO. Use a one-time sign-in link instead.', [], 404, { title: 'Admin sign-in with SSO unavailable' });
      }
      const tenantId = request.params.tenantId!;
      const tenant = TENANT_ID_PATTERN.test(tenantId) ? await tenantCache.get(asTenantId(tenantId)) : undefined;
      return beginLogin(request, (binding) => startLogin(flows, tenant, purpose, apiBaseUrl(request), binding, relayFromTarget(query.target_link_uri, apiBaseUrl(request))));
    }),
    route('GET', '/saml/{tenantId}/test', async (request) => {
      const { ticket } = edge(testQuery, request.query);
      return beginLogin(request, (binding) => openTest(flows, asTenantId(request.params.tenantId!), ticket, apiBaseUrl(request), binding, (id) => tenantCache.fresh(id)));
    }),
    route('POST', '/saml/{tenantId}/acs', async (request) => {
      const tenantId = tenantIdOf(request.params.tenantId);
      const { SAMLResponse } = edge(acsForm, formOf(request));
      const post = { tenantId, samlResponse: SAMLResponse, binding: request.cookies[surface.binding.cookieName], apiBaseUrl: apiBaseUrl(request), correlationId: request.correlationId };
      const outcome = await consumeResponse(flows, post, request.log);
      return acsAnswer(await withDefaultApp(outcome, request), request);
    }),
    route('GET', '/dashboard', (request) => dashboard(request)),
    route('GET', '/logout', async (request) => pageAnswer(200, logoutConfirmPage(logoutTokenOf(request.cookies[sessionCookie])))),
    route('POST', '/logout', async (request) => {
      const value = request.cookies[sessionCookie];
      // Logout CSRF: another site must not sign the browser out. Our own pages post from our origin and carry the token.
      const sameOrigin = fromOwnOrigin(request.event, new URL(apiBaseUrl(request)).origin, { requireEvidence: true });
      if (!sameOrigin && !logoutTokenMatches(value, formOf(request).token)) {
        throw new SamlLoginError('logout-cross-site', 'This sign-out request came from another site, so you are still signed in. Use the Sign out button on the dashboard.', [], 403, { title: 'Not signed out', back: { href: '/dashboard', label: 'Back to the dashboard' } });
      }
      if (value) await surface.sessions.revoke(sha256Hex(value));
      return pageAnswer(200, signedOutPage(), { cookies: [clearCookie(sessionCookie, surface.secureCookies)] });
    }),
  ];

  /** A sign-in no app started (no relay) lands in the stage's default app when it has an initiate-login URI. */
  async function withDefaultApp(outcome: AcsOutcome, request: RouteRequest): Promise<AcsOutcome> {
    if (outcome.kind !== 'session' || outcome.location !== '/dashboard' || !surface.defaultAppLanding) return outcome;
    const landing = await surface.defaultAppLanding(apiBaseUrl(request), primaryEmail(outcome.user) ?? outcome.user.userName);
    return landing ? { ...outcome, location: landing } : outcome;
  }

  function acsAnswer(outcome: AcsOutcome, request: RouteRequest): HttpResult {
    if (outcome.kind === 'session') {
      request.log.info('login succeeded', { tenantId: outcome.tenant.id, userId: outcome.user.id });
      const cookie = setCookie(sessionCookie, outcome.cookieValue, { secure: surface.secureCookies, maxAgeSec: SESSION_TTL_SEC, sameSite: 'lax' });
      // On to an app: a page of ours, since the IdP page's form-action would block a redirect chain to another origin.
      if (!outcome.location.startsWith('/dashboard')) return pageAnswer(200, appContinuePage(outcome.location), { cookies: [cookie] });
      return { statusCode: 303, headers: { location: outcome.location, 'cache-control': 'no-store' }, cookies: [cookie] };
    }
    if (outcome.kind === 'admin-link') {
      // A page on our origin, not a redirect: see adminContinuePage (the IdP page's form-action binds redirects).
      return pageAnswer(200, adminContinuePage(`${flows.adminConsoleUrl ?? ''}/login?token=${encodeURIComponent(outcome.code)}`));
    }
    const { outcome: test, tenant, recorded } = outcome;
    request.log.info('saml test finished', { tenantId: tenant.id, passed: test.status === 'passed', recorded });
    const page = test.status === 'passed'
      ? testResultPage({ tenantName: tenant.name, passed: true, problems: test.advice ?? [], attributes: test.attributes, nameId: test.nameId, correlationId: request.correlationId })
      : testResultPage({ tenantName: tenant.name, passed: false, problems: test.problems, correlationId: request.correlationId });
    return pageAnswer(test.status === 'passed' ? 200 : 422, page);
  }

  async function dashboard(request: RouteRequest): Promise<HttpResult> {
    const value = request.cookies[sessionCookie];
    const signOut = [clearCookie(sessionCookie, surface.secureCookies)];
    const session = value ? await surface.sessions.get(sha256Hex(value)) : undefined;
    if (!session || session.kind !== 'app' || Date.parse(session.expiresAt) <= surface.clock.now().getTime()) return redirect('/signin', value ? signOut : undefined);
    const [user, tenant] = await Promise.all([surface.users.get(session.tenantId, session.userId), surface.tenantCache.get(session.tenantId)]);
    if (!user || !user.active || !tenant) {
      await surface.sessions.revoke(session.sessionHash, 'revoked');
      return redirect('/signin', signOut);
    }
    const groups = await surface.groups.groupsOfUser(session.tenantId, session.userId);
    request.log.debug('dashboard', { tenantId: tenant.id });
    return pageAnswer(200, dashboardPage({ logoutToken: logoutTokenOf(value), name: displayNameOf(user), email: primaryEmail(user) ?? user.userName, tenantName: tenant.name, tenantId: tenant.id, groups: groups.map((g) => g.displayName).sort() }));
  }
}

function edge<T extends z.ZodTypeAny>(schema: T, input: unknown): z.infer<T> {
  const result = schema.safeParse(input);
  if (!result.success) throw new RequestError('malformed-request', 'the request is not valid', { field: String(result.error.issues[0]?.path[0] ?? '') });
  return result.data;
}

/** The form fields of a POST; the ACS has always read its body as a form, whatever content type the IdP page declared. */
function formOf(request: RouteRequest): Record<string, string> {
  const { body } = request;
  const form = body.kind === 'form' ? body.value : body.kind === 'text' ? new URLSearchParams(body.value) : new URLSearchParams();
  const fields: Record<string, string> = {};
  for (const [name, value] of form) fields[name] ??= value; // the first of a repeated field, as URLSearchParams.get reads it
  return fields;
}

function tenantIdOf(raw: string | undefined): TenantId {
  if (!raw || !TENANT_ID_PATTERN.test(raw)) throw new NotFoundError('there is no service provider at this address');
  return asTenantId(raw);
}

async function knownTenant(cache: TenantCache, raw: string | undefined): Promise<Tenant> {
  const tenant = await cache.get(tenantIdOf(raw));
  if (!tenant) throw new NotFoundError('there is no service provider at this address');
  return tenant;
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
