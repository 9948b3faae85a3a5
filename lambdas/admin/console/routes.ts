import { systemClock } from '../../core/clock';
import { asTenantId, asUserId, TENANT_ID_PATTERN } from '../../core/ids';
import { peekAdminGrant, redeemAdminGrant } from '../../core/sessions/admin-grants';
import { emailDomain } from '../../core/tenancy/tenant';
import { clearCookie, setCookie } from '../../http/cookies';
import { header } from '../../http/request';
import { fromOwnOrigin } from '../../http/same-origin';
import { redirect } from '../../http/responses';
import { route, type Route } from '../../http/routes';
import { ABSOLUTE_TIMEOUT_SEC, adminCookieName, authenticate, csrfMatches, signIn, SignInRefusedError } from './admin-session';
import { consoleApiRoutes } from './api-routes';
import { assetRoute } from './assets';
import { pageResult, pageRoute, sessionDepsOf, urlsOf } from './context';
import { messagePage } from './page-kit';
import { continueSignInPage, loginPage, ssoPage } from './pages-sso';
import { activityPage, groupsPage, planPage, scimPage, userDetailPage, usersPage } from './pages-tenant';
import type { ConsoleDeps } from './ports';
import type { Tenant } from '../../core/tenancy/tenant';
import { formBody, loginForm, loginQuery, queryOf, ssoLoginQuery } from '../schemas';
import { listQuery, listUsers, parseCategory, userDetail } from './queries';
import { planView, scimView, ssoView, type CertificateChange } from './views';

const LINK_SPENT = 'This sign-in link has already been used or has expired. Links work once, for 15 minutes: ask your operator for a new one.';

/** The tenant-admin console: sign-in, pages, their JSON API and static assets, on the admin Lambda's public URL. */
export function consoleRoutes(deps: ConsoleDeps): Route[] {
  const clock = deps.clock ?? systemClock;
  const session = sessionDepsOf(deps, clock);
  const adminCookie = adminCookieName(deps.secureCookies);
  const page = (path: string, render: Parameters<typeof pageRoute>[3]) => pageRoute(session, deps, path, render);

  return [
    route('GET', '/login', async ({ event, query: raw }) => {
      const query = queryOf(raw, loginQuery);
      const urls = urlsOf(deps, event);
      const code = query.token ?? query.code;
      if (!code) {
        const message = query.expired ? 'Your session has ended. Sign in again.' : query.signedOut ? 'You are signed out.' : undefined;
        return pageResult(urls, 200, loginPage({ message, kind: query.signedOut ? 'ok' : 'warn' }), { signInPage: true });
      }
      // A GET only looks at the grant (a link scanner's prefetch spends nothing); the Continue button's POST signs in.
      const grant = await peekAdminGrant(deps.ephemeral, code);
      const tenant = grant ? await deps.tenants.get(grant.tenantId) : undefined;
      if (!grant || !tenant) return pageResult(urls, 400, loginPage({ message: LINK_SPENT }), { signInPage: true });
      return pageResult(urls, 200, continueSignInPage({ tenantName: tenant.name, email: grant.email, token: code }));
    }),
    route('POST', '/login', async ({ event, body }) => {
      const { token } = formBody(body, loginForm);
      const urls = urlsOf(deps, event);
      const signInPage = (status: number, message: string) => pageResult(urls, status, loginPage({ message }), { signInPage: true });
      // Another site must not complete a sign-in in this browser (login CSRF): the POST comes from the Continue page.
      if (!fromOwnOrigin(event, new URL(urls.admin).origin)) return signInPage(403, 'This sign-in was sent from another site, so it was refused and you are not signed in. Open your sign-in link again.');
      const grant = await redeemAdminGrant(deps.ephemeral, token);
      if (!grant) return signInPage(400, LINK_SPENT);
      try {
        const { cookieValue } = await signIn(session, grant);
        return redirect('/sso', [setCookie(adminCookie, cookieValue, { secure: deps.secureCookies, sameSite: 'lax', maxAgeSec: ABSOLUTE_TIMEOUT_SEC })]);
      } catch (error) {
        // The refusal is shown on the sign-in page, in its words; anything else is the error table's.
        if (error instanceof SignInRefusedError) return signInPage(403, error.message);
        throw error;
      }
    }),
    route('GET', '/login/sso', async ({ event, query }) => {
      const who = queryOf(query, ssoLoginQuery).who.trim();
      const byId = TENANT_ID_PATTERN.test(who.toLowerCase());
      const domain = byId ? undefined : emailDomain(who);
      const tenant = byId ? await deps.tenants.get(asTenantId(who.toLowerCase())) : domain ? await deps.tenants.findByDomain(domain) : undefined;
      if (!tenant || !tenant.sso.active) {
        const message = 'SSO sign-in is not available for that email or tenant ID. Check it, or sign in with a link from your operator.';
        return pageResult(urlsOf(deps, event), 404, loginPage({ value: who, message }), { signInPage: true });
      }
      const target = new URL(`${urlsOf(deps, event).api}/saml/${encodeURIComponent(tenant.id)}/login`);
      target.searchParams.set('for', 'admin');
      if (who.includes('@')) target.searchParams.set('login_hint', who);
      return redirect(target.toString());
    }),
    route('POST', '/logout', async ({ event, cookies, body }) => {
      const urls = urlsOf(deps, event);
      const notSignedOut = () => pageResult(urls, 403, messagePage(undefined, 'This sign-out request did not come from the console, so you are still signed in. Use the Sign out button.', 'Not signed out'));
      // Logout CSRF: another site's POST changes nothing, not even the cookie (it is not sent cross-site, but it could be cleared).
      if (!fromOwnOrigin(event, new URL(urls.admin).origin)) return notSignedOut();
      const cleared = clearCookie(adminCookie, deps.secureCookies);
      const admin = await authenticate(session, cookies[adminCookie]);
      if (!admin) return redirect('/login?signedOut=1', [cleared]);
      const presented = (body.kind === 'form' ? body.value.get('csrf') : undefined) ?? header(event, 'x-csrf-token');
      if (!csrfMatches(admin.session, presented ?? undefined)) return notSignedOut();
      await deps.sessions.revoke(admin.session.sessionHash);
      return redirect('/login?signedOut=1', [cleared]);
    }),
    page('/', async () => redirect('/sso')),
    page('/sso', async (c) => {
      const [spCertificates, changes] = await Promise.all([deps.sso.spCertificates(c.tenant.id), recentCertificateChanges(deps, c.tenant.id)]);
      return c.page(ssoPage(c.chrome, ssoView(c.tenant, c.urls, spCertificates, clock.now(), changes)));
    }),
    page('/scim', async (c) => c.page(scimPage(c.chrome, scimView(c.tenant, c.urls, await deps.scim.listTokens(c.tenant.id))))),
    page('/plan', async (c) => c.page(planPage(c.chrome, planView(c.tenant)))),
    page('/users', async (c) => {
      const { q, cursor } = queryOf(c.request.query, listQuery);
      const result = await listUsers(deps, c.tenant.id, { q, cursor });
      return c.page(usersPage(c.chrome, { q, rows: result.rows, next: result.next, hasPrevious: Boolean(cursor), total: result.total, searchNote: result.note }));
    }),
    page('/users/{userId}', async (c) => {
      const detail = await userDetail(deps, c.tenant.id, asUserId(c.request.params.userId!));
      return c.page(userDetailPage(c.chrome, { ...detail, self: detail.user.id === c.admin.user.id, now: clock.now() }));
    }),
    page('/groups', async (c) => {
      const { cursor } = queryOf(c.request.query, listQuery);
      const [list, total] = await Promise.all([deps.groups.list(c.tenant.id, { limit: 50, cursor }), deps.groups.count(c.tenant.id)]);
      return c.page(groupsPage(c.chrome, { groups: list.items, next: list.cursor, hasPrevious: Boolean(cursor), total }));
    }),
    page('/activity', async (c) => {
      const query = queryOf(c.request.query, listQuery);
      const { cursor } = query;
      const category = parseCategory(query.category);
      const list = await deps.activity.list(c.tenant.id, { limit: 50, cursor, category });
      return c.page(activityPage(c.chrome, { category, events: list.items, next: list.cursor, hasPrevious: Boolean(cursor) }));
    }),
    assetRoute,
    ...consoleApiRoutes(deps, session),
  ];
}

/** The last few certificate changes metadata refresh made (core/sso/metadata-refresh.ts), for the SSO page. */
async function recentCertificateChanges(deps: ConsoleDeps, tenantId: Tenant['id']): Promise<CertificateChange[]> {
  const { items } = await deps.activity.list(tenantId, { limit: 50, category: 'admin' });
  return items.filter((event) => event.type.startsWith('sso.certificate.') && event.type !== 'sso.certificate.expiring').slice(0, 5).map((event) => ({ at: event.at, summary: event.summary }));
}
