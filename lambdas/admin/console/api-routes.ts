import { z } from 'zod/v3';
import type { Clock } from '../../core/clock';
import { ForbiddenError, NotFoundError } from '../../core/errors';
import { asUserId, newResourceId, type UserId } from '../../core/ids';
import { displayNameOf, primaryEmail, type User } from '../../core/identity/user';
import { json } from '../../http/responses';
import type { HttpMethod, Route } from '../../http/routes';
import { jsonBody, queryOf } from '../schemas';
import type { AdminSessionDeps } from './admin-session';
import { apiRoute, type ApiContext } from './context';
import type { ConsoleDeps } from './ports';
import { listQuery as pageQuery, listUsers, parseCategory, sessionRef, userDetail } from './queries';
import { planView, scimView, ssoView } from './views';

const MAX_XML_CHARS = 512 * 1024;
const CONSOLE_FORM = { firstIssueOnly: true } as const;

const METADATA_NEEDED = 'Enter the IdP metadata URL or paste its XML (one of them).';
const metadataBody = z
  .object({
    url: z.string().trim().min(1, 'Enter the IdP metadata URL').max(2048).optional(),
    xml: z.string().trim().min(1, 'Paste the IdP metadata XML').max(MAX_XML_CHARS).optional(),
  })
  .strict()
  .refine((body) => (body.url === undefined) !== (body.xml === undefined), { message: METADATA_NEEDED })
  .transform((body) => (body.url !== undefined ? { url: body.url } : { xml: body.xml! }));
const settingsBody = z.object({ allowIdpInitiated: z.boolean().optional(), jitProvisioning: z.boolean().optional() }).strict();
const adminFlagBody = z.object({ isAdmin: z.boolean() }).strict();

const userSummary = (user: User) => ({
  id: user.id,
  userName: user.userName,
  displayName: displayNameOf(user),
  email: primaryEmail(user),
  active: user.active,
  source: user.source,
  isAdmin: user.isAdmin,
  createdAt: user.createdAt,
  updatedAt: user.updatedAt,
});

/** The console's JSON API (`/api/…`): every route acts on the session's tenant, and only on it. */
export function consoleApiRoutes(deps: ConsoleDeps, session: AdminSessionDeps): Route[] {
  const clock = session.clock;
  const api = (method: HttpMethod, path: string, handle: (context: ApiContext) => Promise<ReturnType<typeof json>>) => apiRoute(session, deps, method, path, handle);
  const tenantOf = async ({ admin }: ApiContext) => {
    const found = await deps.tenants.get(admin.tenantId);
    if (!found) throw new NotFoundError('This tenant no longer exists.');
    return found;
  };
  const sso = async (c: ApiContext) => json(200, ssoView(await tenantOf(c), c.urls, await deps.sso.spCertificates(c.admin.tenantId), clock.now()));
  const scim = async (c: ApiContext) => json(200, scimView(await tenantOf(c), c.urls, await deps.scim.listTokens(c.admin.tenantId)));
  const detailOf = (c: ApiContext) => userDetail(deps, c.admin.tenantId, asUserId(c.request.params.userId!) as UserId);

  return [
    api('GET', '/session', async ({ admin }) =>
      json(200, { tenantId: admin.tenantId, userId: admin.user.id, email: admin.session.attributes?.email ?? primaryEmail(admin.user), expiresAt: admin.session.expiresAt }),
    ),
    api('GET', '/sso', sso),
    api('PUT', '/sso/metadata', async (c) => {
      await deps.sso.setMetadata(c.admin.tenantId, jsonBody(c.request.body, metadataBody, { ...CONSOLE_FORM, whenEmpty: METADATA_NEEDED }), c.actor);
      return sso(c);
    }),
    api('POST', '/sso/test', async (c) => json(200, await deps.sso.startTest(c.admin.tenantId, c.actor))),
    api('POST', '/sso/activate', async (c) => (await deps.sso.activate(c.admin.tenantId, c.actor), sso(c))),
    api('POST', '/sso/rollback', async (c) => (await deps.sso.rollback(c.admin.tenantId, c.actor), sso(c))),
    api('PATCH', '/sso/settings', async (c) => (await deps.sso.updateSettings(c.admin.tenantId, jsonBody(c.request.body, settingsBody, CONSOLE_FORM), c.actor), sso(c))),
    api('GET', '/scim', scim),
    api('POST', '/scim/enable', async (c) => (await deps.scim.enable(c.admin.tenantId, c.actor), scim(c))),
    api('POST', '/scim/disable', async (c) => (await deps.scim.disable(c.admin.tenantId, c.actor), scim(c))),
    api('POST', '/scim/tokens', async (c) => {
      const created = await deps.scim.createToken(c.admin.tenantId, c.actor);
      return json(201, { token: created.token, tokenId: created.tokenId });
    }),
    api('DELETE', '/scim/tokens/{tokenId}', async (c) => {
      const tokenId = c.request.params.tokenId!;
      const known = await deps.scim.listTokens(c.admin.tenantId);
      if (!known.some((token) => token.tokenId === tokenId)) throw new NotFoundError('There is no such token in this tenant (it may already be revoked).');
      await deps.scim.revokeToken(c.admin.tenantId, tokenId, c.actor);
      return scim(c);
    }),
    api('GET', '/plan', async (c) => json(200, planView(await tenantOf(c)))),
    api('GET', '/users', async (c) => {
      const listing = await listUsers(deps, c.admin.tenantId, queryOf(c.request.query, pageQuery));
      const users = listing.rows.map(({ user, groups }) => ({ ...userSummary(user), groups: groups.map((group) => ({ id: group.id, displayName: group.displayName })) }));
      return json(200, { total: listing.total, next: listing.next, users });
    }),
    api('GET', '/groups', async (c) => {
      const page = await deps.groups.list(c.admin.tenantId, { limit: 50, cursor: queryOf(c.request.query, pageQuery).cursor });
      const groups = page.items.map((group) => ({ id: group.id, displayName: group.displayName, externalId: group.externalId, memberCount: group.memberCount, updatedAt: group.updatedAt }));
      return json(200, { next: page.cursor, groups });
    }),
    api('GET', '/activity', async (c) => {
      const { cursor, category } = queryOf(c.request.query, pageQuery);
      const page = await deps.activity.list(c.admin.tenantId, { limit: 50, cursor, category: parseCategory(category) });
      return json(200, { next: page.cursor, events: page.items });
    }),
    api('GET', '/users/{userId}', async (c) => {
      const detail = await detailOf(c);
      return json(200, {
        ...userSummary(detail.user),
        groups: detail.groups.map((group) => ({ id: group.id, displayName: group.displayName })),
        sessions: detail.sessions.map((s) => ({ id: sessionRef(s), kind: s.kind, createdAt: s.createdAt, lastSeenAt: s.lastSeenAt, expiresAt: s.expiresAt })),
      });
    }),
    api('PUT', '/users/{userId}/admin', async (c) => {
      const detail = await detailOf(c);
      const { isAdmin } = jsonBody(c.request.body, adminFlagBody, { ...CONSOLE_FORM, whenEmpty: 'Say whether the user is an admin: {"isAdmin": true|false}.' });
      if (detail.user.id === c.admin.user.id && !isAdmin) throw new ForbiddenError('You cannot remove your own admin rights: ask another admin.');
      if (detail.user.isAdmin !== isAdmin) {
        await deps.users.replace({ ...detail.user, isAdmin, updatedAt: clock.now().toISOString(), version: detail.user.version + 1 }, detail.user.version);
        if (!isAdmin) await revokeAll(deps, detail.sessions.filter((s) => s.kind === 'admin'));
        const change = isAdmin ? 'made' : 'removed';
        await record(deps, clock, c, isAdmin ? 'user.admin.granted' : 'user.admin.revoked', detail.user, `${change} ${displayNameOf(detail.user)} ${isAdmin ? 'a console admin' : 'as console admin'}`);
      }
      return json(200, userSummary({ ...detail.user, isAdmin }));
    }),
    ...['/users/{userId}/sessions', '/users/{userId}/sessions/{ref}'].map((path) =>
      api('DELETE', path, async (c) => {
        const detail = await detailOf(c);
        const ref = c.request.params.ref;
        const chosen = ref ? detail.sessions.filter((s) => sessionRef(s) === ref) : detail.sessions;
        if (ref && chosen.length === 0) throw new NotFoundError('There is no such session (it may have ended already).');
        await revokeAll(deps, chosen);
        await record(deps, clock, c, 'session.revoked', detail.user, `revoked ${chosen.length} session${chosen.length === 1 ? '' : 's'} of ${displayNameOf(detail.user)}`);
        return json(200, { revoked: chosen.length });
      }),
    ),
  ];
}

async function revokeAll(deps: ConsoleDeps, sessions: Array<{ sessionHash: string }>): Promise<void> {
  await Promise.all(sessions.map((s) => deps.sessions.revoke(s.sessionHash, 'revoked')));
}

/** An admin change in the activity log, told as "<admin> <what they did>". */
async function record(deps: ConsoleDeps, clock: Clock, c: ApiContext, type: string, target: User, what: string): Promise<void> {
  const who = c.admin.session.attributes?.email ?? c.admin.user.userName;
  await deps.activity.record({ tenantId: c.admin.tenantId, id: newResourceId(), at: clock.now().toISOString(), category: 'admin', type, actor: c.actor, target: `user:${target.id}`, summary: `${who} ${what}` });
}
