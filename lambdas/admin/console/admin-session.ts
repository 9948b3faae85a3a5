import type { ActivityLog } from '../../core/activity/events';
import type { Clock } from '../../core/clock';
import { ForbiddenError } from '../../core/errors';
import { asUserId, newResourceId, type TenantId } from '../../core/ids';
import type { UserRepository } from '../../core/identity/ports';
import { normaliseEmail, primaryEmail, type User } from '../../core/identity/user';
import type { Session, SessionStore } from '../../core/sessions/ports';
import type { TenantRepository } from '../../core/tenancy/ports';
import { type AdminGrant } from '../../core/sessions/admin-grants';
import { newSecret, sameSecret, sha256Hex } from '../../core/digest';
import { hostCookieName } from '../../http/cookies';

export const ADMIN_COOKIE = 'natoma_admin';
/** The console cookie's name: `__Host-natoma_admin` where cookies are Secure (deployed). */
export const adminCookieName = (secure: boolean): string => hostCookieName(ADMIN_COOKIE, secure);
export const IDLE_TIMEOUT_SEC = 30 * 60;
export const ABSOLUTE_TIMEOUT_SEC = 12 * 60 * 60;
/** A session's idle deadline is pushed at most once a minute: one write per minute, not per request. */
const TOUCH_EVERY_SEC = 60;

export interface AdminSessionDeps {
  readonly tenants: TenantRepository;
  readonly users: UserRepository;
  readonly sessions: SessionStore;
  readonly activity: ActivityLog;
  readonly clock: Clock;
}

/** The signed-in admin, as every console route sees it. */
export interface AdminContext {
  readonly session: Session;
  readonly tenantId: TenantId;
  readonly user: User;
}

/** Signing in failed for a reason the login page shows in plain words. */
export class SignInRefusedError extends ForbiddenError {}

/**
 * Turns a redeemed one-time grant into an admin session. An operator's link makes the address an
 * admin of the tenant (creating the user when needed); an SSO grant requires a user already flagged admin.
 */
export async function signIn(deps: AdminSessionDeps, grant: AdminGrant): Promise<{ cookieValue: string; session: Session; user: User }> {
  const now = deps.clock.now();
  const tenant = await deps.tenants.get(grant.tenantId);
  if (!tenant) throw new SignInRefusedError('This sign-in link is for a tenant that no longer exists.');
  let user: User | undefined;
  if (grant.via === 'sso') {
    user = await deps.users.get(tenant.id, grant.userId);
    if (!user || !user.isAdmin) {
      await recordLogin(deps, tenant.id, grant.email, false, 'signed in with SSO but is not an admin of this console');
      throw new SignInRefusedError('You signed in with SSO, but your account is not an administrator of this tenant. Ask an existing admin or the operator to make you one.');
    }
  } else {
    user = await findByAddress(deps.users, tenant.id, grant.email);
    if (!user) {
      user = {
        tenantId: tenant.id,
        id: asUserId(newResourceId()),
        userName: grant.email,
        active: true,
        emails: [{ value: grant.email, primary: true, type: 'work' }],
        profile: {},
        source: 'jit',
        isAdmin: true,
        createdAt: now.toISOString(),
        updatedAt: now.toISOString(),
        version: 1,
      };
      await deps.users.create(user);
    } else if (!user.isAdmin && user.active) {
      const promoted: User = { ...user, isAdmin: true, updatedAt: now.toISOString(), version: user.version + 1 };
      await deps.users.replace(promoted, user.version);
      user = promoted;
    }
  }
  if (!user.active) {
    await recordLogin(deps, tenant.id, grant.email, false, 'the account is deactivated');
    throw new SignInRefusedError('Your account is deactivated in this tenant, so it cannot sign in to the console.');
  }
  const cookieValue = newSecret();
  const session: Session = {
    sessionHash: sha256Hex(cookieValue),
    tenantId: tenant.id,
    userId: user.id,
    kind: 'admin',
    createdAt: now.toISOString(),
    lastSeenAt: now.toISOString(),
    expiresAt: new Date(now.getTime() + IDLE_TIMEOUT_SEC * 1000).toISOString(),
    csrfToken: newSecret(),
    attributes: { via: grant.via, email: grant.email },
  };
  await deps.sessions.put(session);
  await recordLogin(deps, tenant.id, grant.email, true, grant.via === 'sso' ? 'with SSO' : 'with a one-time link', user);
  return { cookieValue, session, user };
}

async function findByAddress(users: UserRepository, tenantId: TenantId, email: string): Promise<User | undefined> {
  const byUserName = await users.findByUserName(tenantId, email);
  if (byUserName) return byUserName;
  const byEmail = await users.findByEmail(tenantId, email);
  return byEmail.find((user) => user.active) ?? byEmail[0];
}

async function recordLogin(deps: AdminSessionDeps, tenantId: TenantId, email: string, ok: boolean, how: string, user?: User): Promise<void> {
  await deps.activity.record({
    tenantId,
    id: newResourceId(),
    at: deps.clock.now().toISOString(),
    category: 'sign-in',
    type: ok ? 'console.login.succeeded' : 'console.login.failed',
    actor: user ? `user:${user.id}` : normaliseEmail(email),
    target: user ? `user:${user.id}` : email,
    summary: ok ? `${primaryEmail(user!) ?? email} signed in to the admin console ${how}` : `Console sign-in refused for ${email}: ${how}`,
  });
}

/**
 * The admin behind a cookie, or undefined: unknown, revoked, not an admin session, idle for more
 * than 30 minutes, older than 12 hours, or its user is no longer an active admin.
 */
export async function authenticate(deps: AdminSessionDeps, cookieValue: string | undefined): Promise<AdminContext | undefined> {
  if (!cookieValue || cookieValue.length > 200) return undefined;
  const hash = sha256Hex(cookieValue);
  const session = await deps.sessions.get(hash);
  if (!session || session.kind !== 'admin') return undefined;
  const now = deps.clock.now();
  const absoluteEnd = Date.parse(session.createdAt) + ABSOLUTE_TIMEOUT_SEC * 1000;
  if (now.getTime() >= Date.parse(session.expiresAt) || now.getTime() >= absoluteEnd) return undefined;
  const user = await deps.users.get(session.tenantId, session.userId);
  if (!user || !user.isAdmin || !user.active) return undefined;
  let current = session;
  if (now.getTime() - Date.parse(session.lastSeenAt) >= TOUCH_EVERY_SEC * 1000) {
    const expiresAt = new Date(Math.min(now.getTime() + IDLE_TIMEOUT_SEC * 1000, absoluteEnd));
    await deps.sessions.touch(hash, now, expiresAt);
    current = { ...session, lastSeenAt: now.toISOString(), expiresAt: expiresAt.toISOString() };
  }
  return { session: current, tenantId: session.tenantId, user };
}

/** Constant-time comparison of the CSRF token a request carries with the session's. */
export function csrfMatches(session: Session, presented: string | undefined): boolean {
  if (!session.csrfToken || !presented) return false;
  return sameSecret(session.csrfToken, presented);
}
