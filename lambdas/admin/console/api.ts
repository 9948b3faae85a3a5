import { z } from 'zod/v3';
import type { Clock } from '../../core/clock';
import { ForbiddenError, NotFoundError } from '../../core/errors';
import { asUserId, newResourceId, type TenantId, type UserId } from '../../core/ids';
import { displayNameOf, primaryEmail, type User } from '../../core/identity/user';
import { bodyBytes, bodyText, type HttpEvent, type HttpResult } from '../../http/request';
import { json } from '../../http/responses';
import type { AdminContext } from './admin-session';
import { ConsoleRequestError } from './errors';
import type { ConsoleDeps, ConsoleUrls } from './ports';
import { listUsers, parseCategory, sessionRef, userDetail } from './queries';
import { planView, scimView, ssoView } from './views';

const MAX_BODY_BYTES = 512 * 1024;

const metadataBody = z.union([
  z.object({ url: z.string().trim().min(1, 'Enter the IdP metadata URL').max(2048) }).strict(),
  z.object({ xml: z.string().trim().min(1, 'Paste the IdP metadata XML').max(MAX_BODY_BYTES) }).strict(),
]);
const settingsBody = z.object({ allowIdpInitiated: z.boolean().optional(), jitProvisioning: z.boolean().optional() }).strict();
const adminFlagBody = z.object({ isAdmin: z.boolean() }).strict();

function parseBody<T>(event: HttpEvent, schema: z.ZodType<T>, emptyMessage?: string): T {
  if (bodyBytes(event) > MAX_BODY_BYTES) throw new ConsoleRequestError(413, 'too-large', 'The request is too large (at most 512 KB).');
  const text = bodyText(event);
  let value: unknown = {};
  if (text && text.trim()) {
    try {
      value = JSON.parse(text);
    } catch {
      throw new ConsoleRequestError(400, 'invalid-json', 'The request body is not valid JSON.');
    }
  } else if (emptyMessage) throw new ConsoleRequestError(400, 'invalid-input', emptyMessage);
  const result = schema.safeParse(value);
  if (!result.success) {
    const issue = result.error.issues[0];
    throw new ConsoleRequestError(400, 'invalid-input', issue?.message ?? 'The request is not valid.', issue?.path.join('.') || undefined);
  }
  return result.data;
}

const USER_ROUTE = /^\/users\/([^/]+)(\/admin|\/sessions(?:\/([0-9a-f]{16}))?)?$/;

/** The console's JSON API: every route acts on the session's tenant, and only on it. */
export function consoleApi(deps: ConsoleDeps, clock: Clock) {
  return async (event: HttpEvent, admin: AdminContext, urls: ConsoleUrls, route: string, verb: string): Promise<HttpResult> => {
    const tenantId = admin.tenantId;
    const actor = `user:${admin.user.id}`;
    const query = event.queryStringParameters ?? {};
    const tenant = async () => {
      const found = await deps.tenants.get(tenantId);
      if (!found) throw new NotFoundError('This tenant no longer exists.');
      return found;
    };
    const key = `${verb} ${route}`;
    switch (key) {
      case 'GET /session':
        return json(200, { tenantId, userId: admin.user.id, email: admin.session.attributes?.email ?? primaryEmail(admin.user), expiresAt: admin.session.expiresAt });
      case 'GET /sso':
        return json(200, ssoView(await tenant(), urls, await deps.sso.spCertificates(tenantId), clock.now()));
      case 'PUT /sso/metadata': {
        const body = parseBody(event, metadataBody, 'Enter the IdP metadata URL or paste its XML.');
        await deps.sso.setMetadata(tenantId, body, actor);
        return json(200, ssoView(await tenant(), urls, await deps.sso.spCertificates(tenantId), clock.now()));
      }
      case 'POST /sso/test':
        return json(200, await deps.sso.startTest(tenantId, actor));
      case 'POST /sso/activate':
        await deps.sso.activate(tenantId, actor);
        return json(200, ssoView(await tenant(), urls, await deps.sso.spCertificates(tenantId), clock.now()));
      case 'POST /sso/rollback':
        await deps.sso.rollback(tenantId, actor);
        return json(200, ssoView(await tenant(), urls, await deps.sso.spCertificates(tenantId), clock.now()));
      case 'PATCH /sso/settings': {
        const body = parseBody(event, settingsBody);
        await deps.sso.updateSettings(tenantId, body, actor);
        return json(200, ssoView(await tenant(), urls, await deps.sso.spCertificates(tenantId), clock.now()));
      }
      case 'GET /scim':
        return json(200, scimView(await tenant(), urls, await deps.scim.listTokens(tenantId)));
      case 'POST /scim/enable':
        await deps.scim.enable(tenantId, actor);
        return json(200, scimView(await tenant(), urls, await deps.scim.listTokens(tenantId)));
      case 'POST /scim/disable':
        await deps.scim.disable(tenantId, actor);
        return json(200, scimView(await tenant(), urls, await deps.scim.listTokens(tenantId)));
      case 'POST /scim/tokens': {
        const created = await deps.scim.createToken(tenantId, actor);
        return json(201, { token: created.token, tokenId: created.tokenId }, { 'cache-control': 'no-store' });
      }
      case 'GET /plan':
        return json(200, planView(await tenant()));
      case 'GET /users': {
        const listing = await listUsers(deps, tenantId, { q: query.q, cursor: query.cursor });
        return json(200, {
          total: listing.total,
          next: listing.next,
          users: listing.rows.map(({ user, groups }) => ({ ...userSummary(user), groups: groups.map((group) => ({ id: group.id, displayName: group.displayName })) })),
        });
      }
      case 'GET /groups': {
        const page = await deps.groups.list(tenantId, { limit: 50, cursor: query.cursor });
        return json(200, { next: page.cursor, groups: page.items.map((group) => ({ id: group.id, displayName: group.displayName, externalId: group.externalId, memberCount: group.memberCount, updatedAt: group.updatedAt })) });
      }
      case 'GET /activity': {
        const page = await deps.activity.list(tenantId, { limit: 50, cursor: query.cursor, category: parseCategory(query.category) });
        return json(200, { next: page.cursor, events: page.items });
      }
    }
    if (verb === 'DELETE' && route.startsWith('/scim/tokens/')) {
      const tokenId = decodeURIComponent(route.slice('/scim/tokens/'.length));
      const known = await deps.scim.listTokens(tenantId);
      if (!known.some((token) => token.tokenId === tokenId)) throw new NotFoundError('There is no such token in this tenant (it may already be revoked).');
      await deps.scim.revokeToken(tenantId, tokenId, actor);
      return json(200, scimView(await tenant(), urls, await deps.scim.listTokens(tenantId)));
    }
    const userRoute = USER_ROUTE.exec(route);
    if (userRoute) return userRoutes(deps, clock, admin, tenantId, asUserId(decodeURIComponent(userRoute[1]!)), userRoute[2], userRoute[3], verb, event);
    throw new ConsoleRequestError(404, 'not-found', `There is no console API route ${verb} /api${route}.`);
  };
}

function userSummary(user: User) {
  return {
    id: user.id,
    userName: user.userName,
    displayName: displayNameOf(user),
    email: primaryEmail(user),
    active: user.active,
    source: user.source,
    isAdmin: user.isAdmin,
    createdAt: user.createdAt,
    updatedAt: user.updatedAt,
  };
}

async function userRoutes(
  deps: ConsoleDeps,
  clock: Clock,
  admin: AdminContext,
  tenantId: TenantId,
  userId: UserId,
  sub: string | undefined,
  ref: string | undefined,
  verb: string,
  event: HttpEvent,
): Promise<HttpResult> {
  const detail = await userDetail(deps, tenantId, userId);
  if (!sub && verb === 'GET') {
    return json(200, {
      ...userSummary(detail.user),
      groups: detail.groups.map((group) => ({ id: group.id, displayName: group.displayName })),
      sessions: detail.sessions.map((session) => ({ id: sessionRef(session), kind: session.kind, createdAt: session.createdAt, lastSeenAt: session.lastSeenAt, expiresAt: session.expiresAt })),
    });
  }
  if (sub === '/admin' && verb === 'PUT') {
    const { isAdmin } = parseBody(event, adminFlagBody, 'Say whether the user is an admin: {"isAdmin": true|false}.');
    if (detail.user.id === admin.user.id && !isAdmin) throw new ForbiddenError('You cannot remove your own admin rights: ask another admin.');
    if (detail.user.isAdmin !== isAdmin) {
      const now = clock.now().toISOString();
      await deps.users.replace({ ...detail.user, isAdmin, updatedAt: now, version: detail.user.version + 1 }, detail.user.version);
      if (!isAdmin) await revokeSessions(deps, detail.sessions.filter((session) => session.kind === 'admin'));
      await record(deps, clock, tenantId, admin, isAdmin ? 'user.admin.granted' : 'user.admin.revoked', `user:${userId}`, `${admin.session.attributes?.email ?? admin.user.userName} ${isAdmin ? 'made' : 'removed'} ${displayNameOf(detail.user)} ${isAdmin ? 'a console admin' : 'as console admin'}`);
    }
    return json(200, { ...userSummary({ ...detail.user, isAdmin }) });
  }
  if (sub?.startsWith('/sessions') && verb === 'DELETE') {
    const chosen = ref ? detail.sessions.filter((session) => sessionRef(session) === ref) : detail.sessions;
    if (ref && chosen.length === 0) throw new NotFoundError('There is no such session (it may have ended already).');
    await revokeSessions(deps, chosen);
    await record(deps, clock, tenantId, admin, 'session.revoked', `user:${userId}`, `${admin.session.attributes?.email ?? admin.user.userName} revoked ${chosen.length} session${chosen.length === 1 ? '' : 's'} of ${displayNameOf(detail.user)}`);
    return json(200, { revoked: chosen.length });
  }
  throw new ConsoleRequestError(404, 'not-found', `There is no console API route ${verb} for this user.`);
}

async function revokeSessions(deps: ConsoleDeps, sessions: Array<{ sessionHash: string }>): Promise<void> {
  await Promise.all(sessions.map((session) => deps.sessions.revoke(session.sessionHash)));
}

async function record(deps: ConsoleDeps, clock: Clock, tenantId: TenantId, admin: AdminContext, type: string, target: string, summary: string): Promise<void> {
  await deps.activity.record({ tenantId, id: newResourceId(), at: clock.now().toISOString(), category: 'admin', type, actor: `user:${admin.user.id}`, target, summary });
}
