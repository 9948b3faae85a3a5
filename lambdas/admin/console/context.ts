import { UnauthorizedError } from '../../core/errors';
import type { Tenant } from '../../core/tenancy/tenant';
import type { HtmlFragment } from '../../http/html';
import { header, type HttpEvent, type HttpResult } from '../../http/request';
import { fromOwnOrigin } from '../../http/same-origin';
import { redirect } from '../../http/responses';
import { route, type HttpMethod, type Route, type RouteRequest } from '../../http/routes';
import { ConsoleRefusedError } from '../error-table';
import { adminCookieName, authenticate, csrfMatches, type AdminContext, type AdminSessionDeps } from './admin-session';
import type { Chrome } from './page-kit';
import type { ConsoleDeps, ConsoleUrls } from './ports';

/**
 * Content-Security-Policy of console pages: our own script and stylesheet only, nothing inline.
 * form-action also binds the redirects after a submit: the sign-in page's "Sign in with SSO" goes
 * through the API to the tenant's IdP (any https origin), so only that page allows https: targets.
 */
export function consoleCsp(urls: ConsoleUrls, signInPage = false): string {
  const apiOrigin = new URL(urls.api).origin;
  return `default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self' ${apiOrigin}${signInPage ? ' https:' : ''}; frame-ancestors 'none'; base-uri 'none'`;
}

export const urlsOf = (deps: ConsoleDeps, event: HttpEvent): ConsoleUrls => (typeof deps.urls === 'function' ? deps.urls(event) : deps.urls);

/** A console page; same-origin referrers keep the console's own Origin header (no-referrer would make it "null"). */
export function pageResult(urls: ConsoleUrls, status: number, body: HtmlFragment, options: { cookies?: string[]; signInPage?: boolean } = {}): HttpResult {
  return {
    statusCode: status,
    headers: { 'content-type': 'text/html; charset=utf-8', 'content-security-policy': consoleCsp(urls, options.signInPage), 'referrer-policy': 'same-origin' },
    body: body.markup,
    ...(options.cookies ? { cookies: options.cookies } : {}),
  };
}

export const sessionDepsOf = (deps: ConsoleDeps, clock: AdminSessionDeps['clock']): AdminSessionDeps => ({ tenants: deps.tenants, users: deps.users, sessions: deps.sessions, activity: deps.activity, clock });

/** What a signed-in page route gets: the admin, their tenant, the page chrome and the URLs. */
export interface PageContext {
  readonly request: RouteRequest;
  readonly admin: AdminContext;
  readonly tenant: Tenant;
  readonly chrome: Chrome;
  readonly urls: ConsoleUrls;
  page(body: HtmlFragment, status?: number): HttpResult;
}

/** A page only a signed-in admin sees; anyone else is sent to sign in. */
export function pageRoute(session: AdminSessionDeps, deps: ConsoleDeps, path: string, render: (context: PageContext) => Promise<HttpResult>): Route {
  return route('GET', path, async (request) => {
    const admin = await authenticate(session, request.cookies[adminCookieName(deps.secureCookies)]);
    const tenant = admin ? await deps.tenants.get(admin.tenantId) : undefined;
    if (!admin || !tenant) return redirect('/login');
    const urls = urlsOf(deps, request.event);
    const chrome: Chrome = { tenantId: tenant.id, tenantName: tenant.name, email: admin.session.attributes?.email ?? admin.user.userName, csrfToken: admin.session.csrfToken ?? '' };
    return render({ request, admin, tenant, chrome, urls, page: (body, status = 200) => pageResult(urls, status, body) });
  });
}

/** What a console API route gets: the admin, whose tenant is the only one it may act on. */
export interface ApiContext {
  readonly request: RouteRequest;
  readonly admin: AdminContext;
  readonly urls: ConsoleUrls;
  /** Who acts, as activity events record it. */
  readonly actor: string;
}

/** A console API route: 401 without a session; a state change must also come from the console itself. */
export function apiRoute(session: AdminSessionDeps, deps: ConsoleDeps, method: HttpMethod, path: string, handle: (context: ApiContext) => Promise<HttpResult>): Route {
  return route(method, `/api${path}`, async (request) => {
    const admin = await authenticate(session, request.cookies[adminCookieName(deps.secureCookies)]);
    if (!admin) throw new UnauthorizedError('Your session has ended or is not valid: sign in again.');
    const urls = urlsOf(deps, request.event);
    if (method !== 'GET') {
      checkOrigin(request.event, urls);
      if (!csrfMatches(admin.session, header(request.event, 'x-csrf-token'))) {
        throw new ConsoleRefusedError('csrf', "This request did not carry the session's CSRF token. Reload the page and try again.");
      }
    }
    return handle({ request, admin, urls, actor: `user:${admin.user.id}` });
  });
}

/** Refuses a request another site made the browser send (Origin and Sec-Fetch-Site). */
export function checkOrigin(event: HttpEvent, urls: ConsoleUrls): void {
  if (!fromOwnOrigin(event, new URL(urls.admin).origin)) throw new ConsoleRefusedError('origin', 'This request came from another site and was refused.');
}
