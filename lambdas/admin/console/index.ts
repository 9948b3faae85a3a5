import { systemClock } from '../../core/clock';
import { NotFoundError } from '../../core/errors';
import { TENANT_ID_PATTERN, asTenantId, asUserId } from '../../core/ids';
import { emailDomain } from '../../core/tenancy/tenant';
import { bodyText, correlationIdOf, cookie, header, method, path, type HttpEvent, type HttpResult } from '../../http/request';
import { clearCookie, html, redirect, setCookie } from '../../http/responses';
import { ADMIN_COOKIE, ABSOLUTE_TIMEOUT_SEC, authenticate, csrfMatches, signIn, SignInRefusedError, type AdminContext, type AdminSessionDeps } from './admin-session';
import { consoleApi } from './api';
import { serveAsset } from './assets';
import { ConsoleRequestError, toApiError, apiError } from './errors';
import { redeemAdminLink } from './links';
import { activityPage, groupsPage, loginPage, notFoundPage, planPage, scimPage, ssoPage, userDetailPage, usersPage, type Chrome } from './pages';
import type { ConsoleDeps, ConsoleUrls } from './ports';
import { listUsers, parseCategory, userDetail } from './queries';
import { planView, scimView, ssoView } from './views';

export { issueConsoleLink } from './links';
export type { ConsoleDeps, ConsoleSsoService, ConsoleScimService, ConsoleUrls } from './ports';

const PAGE_PATHS = new Set(['/', '/sso', '/scim', '/plan', '/users', '/groups', '/activity']);
const USER_PAGE = /^\/users\/([^/]{1,200})$/;

/**
 * Content-Security-Policy of console pages: our own script and stylesheet only, nothing inline.
 * form-action also binds the redirects after a submit: the sign-in page's "Sign in with SSO" goes
 * through the API to the tenant's IdP (any https origin), so only that page allows https: targets.
 */
export function consoleCsp(urls: ConsoleUrls, signInPage = false): string {
  const apiOrigin = new URL(urls.api).origin;
  return `default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self' ${apiOrigin}${signInPage ? ' https:' : ''}; frame-ancestors 'none'; base-uri 'none'`;
}

/**
 * The tenant-admin console: pages, their JSON API and static assets, on the admin Lambda's public
 * Function URL. Resolves to undefined for paths that are not the console's (the operator API, /health).
 */
export function createConsole(deps: ConsoleDeps): (event: HttpEvent) => Promise<HttpResult | undefined> {
  const clock = deps.clock ?? systemClock;
  const sessionDeps: AdminSessionDeps = { tenants: deps.tenants, users: deps.users, sessions: deps.sessions, activity: deps.activity, clock };
  const urlsOf = (event: HttpEvent): ConsoleUrls => (typeof deps.urls === 'function' ? deps.urls(event) : deps.urls);
  const api = consoleApi(deps, clock);

  return async (event) => {
    const requestPath = path(event);
    const verb = method(event);
    const isApi = requestPath === '/api' || requestPath.startsWith('/api/');
    const isPage = PAGE_PATHS.has(requestPath) || USER_PAGE.test(requestPath);
    const isAuth = requestPath === '/login' || requestPath === '/login/sso' || requestPath === '/logout';
    if (requestPath.startsWith('/assets/')) return verb === 'GET' || verb === 'HEAD' ? serveAsset(requestPath) : undefined;
    if (!isApi && !isPage && !isAuth) return undefined;

    const urls = urlsOf(event);
    const csp = consoleCsp(urls, requestPath === '/login' || requestPath === '/login/sso');
    const correlationId = correlationIdOf(event);
    const logger = deps.logger?.child({ correlationId });
    // same-origin: the console's own requests keep their Origin header (no-referrer would make it "null"), other sites get no referrer.
    const page = (status: number, body: string, cookies?: string[]) => html(status, body, { csp, cookies, headers: { 'referrer-policy': 'same-origin' } });

    try {
      if (requestPath === '/login' && verb === 'GET') return await login(event, urls, page);
      if (requestPath === '/login/sso' && verb === 'GET') return await ssoLogin(event, urls, page);

      const admin = await authenticate(sessionDeps, cookie(event, ADMIN_COOKIE));
      if (requestPath === '/logout') {
        if (verb !== 'POST') return page(405, loginPage({ apiUrl: urls.api, message: 'Use the Sign out button to sign out.', kind: 'warn' }));
        return await logout(event, urls, admin);
      }
      if (isApi) {
        if (!admin) return apiError(401, 'unauthorized', 'Your session has ended or is not valid: sign in again.');
        if (verb !== 'GET' && verb !== 'HEAD') checkStateChange(event, urls, admin);
        try {
          return await api(event, admin, urls, requestPath.slice('/api'.length) || '/', verb);
        } catch (error) {
          return toApiError(error, logger, correlationId);
        }
      }
      if (verb !== 'GET' && verb !== 'HEAD') return page(405, notFoundPage(undefined, 'This page only answers GET.', 'Method not allowed'));
      if (!admin) return redirect('/login');
      return await renderPage(event, admin, urls, requestPath, page);
    } catch (error) {
      if (error instanceof ConsoleRequestError) return apiError(error.statusCode, error.code, error.message, error.field);
      logger?.error('console request failed', { error });
      return page(500, loginPage({ apiUrl: urls.api, message: `Something went wrong on our side (reference ${correlationId}).` }));
    }
  };

  async function login(event: HttpEvent, urls: ConsoleUrls, page: (status: number, body: string, cookies?: string[]) => HttpResult): Promise<HttpResult> {
    const query = event.queryStringParameters ?? {};
    const code = query.token ?? query.code;
    if (!code) {
      const message = query.expired ? 'Your session has ended. Sign in again.' : query.signedOut ? 'You are signed out.' : undefined;
      return page(200, loginPage({ apiUrl: urls.api, message, kind: query.signedOut ? 'ok' : 'warn' }));
    }
    const grant = await redeemAdminLink(deps.ephemeral, code);
    if (!grant) {
      return page(400, loginPage({ apiUrl: urls.api, message: 'This sign-in link has already been used or has expired. Links work once, for 15 minutes: ask your operator for a new one.' }));
    }
    try {
      const { cookieValue } = await signIn(sessionDeps, grant);
      const cookieHeader = setCookie(ADMIN_COOKIE, cookieValue, { secure: deps.secureCookies, sameSite: 'Lax', maxAgeSec: ABSOLUTE_TIMEOUT_SEC });
      return redirect('/sso', [cookieHeader]);
    } catch (error) {
      if (error instanceof SignInRefusedError) return page(403, loginPage({ apiUrl: urls.api, message: error.message }));
      throw error;
    }
  }

  async function ssoLogin(event: HttpEvent, urls: ConsoleUrls, page: (status: number, body: string) => HttpResult): Promise<HttpResult> {
    const who = (event.queryStringParameters?.who ?? '').trim();
    let tenantId: string | undefined;
    if (TENANT_ID_PATTERN.test(who.toLowerCase())) tenantId = (await deps.tenants.get(asTenantId(who.toLowerCase())))?.id;
    else {
      const domain = emailDomain(who);
      if (domain) tenantId = (await deps.tenants.findByDomain(domain))?.id;
    }
    const tenant = tenantId ? await deps.tenants.get(asTenantId(tenantId)) : undefined;
    if (!tenant || !tenant.sso.active) {
      return page(404, loginPage({ apiUrl: urls.api, value: who, message: 'SSO sign-in is not available for that email or tenant ID. Check it, or sign in with a link from your operator.' }));
    }
    const target = new URL(`${urls.api}/saml/${encodeURIComponent(tenant.id)}/login`);
    target.searchParams.set('for', 'admin');
    if (who.includes('@')) target.searchParams.set('login_hint', who);
    return redirect(target.toString());
  }

  async function logout(event: HttpEvent, urls: ConsoleUrls, admin: AdminContext | undefined): Promise<HttpResult> {
    const cleared = clearCookie(ADMIN_COOKIE, deps.secureCookies);
    if (!admin) return redirect('/login?signedOut=1', [cleared]);
    const form = new URLSearchParams(bodyText(event) ?? '');
    checkOrigin(event, urls);
    if (!csrfMatches(admin.session, form.get('csrf') ?? header(event, 'x-csrf-token'))) {
      return html(403, notFoundPage(undefined, 'This sign-out request did not come from the console, so you are still signed in. Use the Sign out button.', 'Not signed out'), { csp: consoleCsp(urls) });
    }
    await deps.sessions.revoke(admin.session.sessionHash);
    return redirect('/login?signedOut=1', [cleared]);
  }

  async function renderPage(
    event: HttpEvent,
    admin: AdminContext,
    urls: ConsoleUrls,
    requestPath: string,
    page: (status: number, body: string) => HttpResult,
  ): Promise<HttpResult> {
    const tenant = await deps.tenants.get(admin.tenantId);
    if (!tenant) return redirect('/login');
    const chrome: Chrome = {
      tenantId: tenant.id,
      tenantName: tenant.name,
      email: admin.session.attributes?.email ?? admin.user.userName,
      csrfToken: admin.session.csrfToken ?? '',
    };
    const query = event.queryStringParameters ?? {};
    const now = clock.now();
    switch (requestPath) {
      case '/':
        return redirect('/sso');
      case '/sso':
        return page(200, ssoPage(chrome, ssoView(tenant, urls, await deps.sso.spCertificates(tenant.id), now)));
      case '/scim':
        return page(200, scimPage(chrome, scimView(tenant, urls, await deps.scim.listTokens(tenant.id))));
      case '/plan':
        return page(200, planPage(chrome, planView(tenant)));
      case '/users': {
        const result = await listUsers(deps, tenant.id, { q: query.q, cursor: query.cursor });
        return page(200, usersPage(chrome, { q: query.q, rows: result.rows, next: result.next, hasPrevious: Boolean(query.cursor), total: result.total, searchNote: result.note }));
      }
      case '/groups': {
        const [list, total] = await Promise.all([deps.groups.list(tenant.id, { limit: 50, cursor: query.cursor }), deps.groups.count(tenant.id)]);
        return page(200, groupsPage(chrome, { groups: list.items, next: list.cursor, hasPrevious: Boolean(query.cursor), total }));
      }
      case '/activity': {
        const category = parseCategory(query.category);
        const list = await deps.activity.list(tenant.id, { limit: 50, cursor: query.cursor, category });
        return page(200, activityPage(chrome, { category, events: list.items, next: list.cursor, hasPrevious: Boolean(query.cursor) }));
      }
    }
    const match = USER_PAGE.exec(requestPath);
    if (match) {
      try {
        const detail = await userDetail(deps, tenant.id, asUserId(decodeURIComponent(match[1]!)));
        return page(200, userDetailPage(chrome, { ...detail, self: detail.user.id === admin.user.id, now }));
      } catch (error) {
        if (error instanceof NotFoundError) return page(404, notFoundPage(chrome, 'There is no such user in this tenant.'));
        throw error;
      }
    }
    return page(404, notFoundPage(chrome, 'There is no such page.'));
  }
}

function checkOrigin(event: HttpEvent, urls: ConsoleUrls): void {
  const origin = header(event, 'origin');
  const fetchSite = header(event, 'sec-fetch-site');
  // Browsers send `Origin: null` under some referrer policies; Sec-Fetch-Site then still says where the request came from.
  const originOk = origin === undefined || origin === new URL(urls.admin).origin || (origin === 'null' && fetchSite === 'same-origin');
  const siteOk = fetchSite === undefined || fetchSite === 'same-origin' || fetchSite === 'none';
  if (!originOk || !siteOk) throw new ConsoleRequestError(403, 'origin', 'This request came from another site and was refused.');
}

/** State-changing API requests must come from the console itself: same origin, with the session's CSRF token. */
function checkStateChange(event: HttpEvent, urls: ConsoleUrls, admin: AdminContext): void {
  checkOrigin(event, urls);
  if (!csrfMatches(admin.session, header(event, 'x-csrf-token'))) {
    throw new ConsoleRequestError(403, 'csrf', 'This request did not carry the session\'s CSRF token. Reload the page and try again.');
  }
}

