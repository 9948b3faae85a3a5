import type { Clock } from '../core/clock';
import { sha256Hex } from '../core/digest';
import type { UserRepository } from '../core/identity/ports';
import type { User } from '../core/identity/user';
import type { Session, SessionStore } from '../core/sessions/ports';
import { oidcSid } from '../core/sessions/sid';
import { hostCookieName } from '../http/cookies';
import { SESSION_COOKIE } from '../saml/flows/shared';
import { accountIdOf } from './account';

/** A live natoma app session of an active user: the only login state the OIDC provider trusts. */
export interface LiveSignIn {
  readonly session: Session;
  readonly user: User;
  readonly accountId: string;
  /** The ID token's `sid` (contract C1). */
  readonly sid: string;
}

export interface LoginStateDeps {
  readonly sessions: SessionStore;
  readonly users: UserRepository;
  readonly clock: Clock;
  readonly secureCookies: boolean;
}

/** Reads our app session cookie; deactivation, logout and revocation take effect at the next authorize. */
export function loginState(deps: LoginStateDeps) {
  const cookieName = hostCookieName(SESSION_COOKIE, deps.secureCookies);
  return {
    cookieName,
    /** `known`: the session's user when this request has already read it, consistently, as active (no second read). */
    async current(cookie: string | undefined, known?: (accountId: string) => User | undefined): Promise<LiveSignIn | undefined> {
      if (!cookie || cookie.length > 200) return undefined;
      const session = await deps.sessions.get(sha256Hex(cookie));
      if (!session || session.kind !== 'app' || Date.parse(session.expiresAt) <= deps.clock.now().getTime()) return undefined;
      const user = known?.(accountIdOf(session.tenantId, session.userId)) ?? (await deps.users.get(session.tenantId, session.userId));
      if (!user || !user.active) return undefined;
      return { session, user, accountId: accountIdOf(session.tenantId, session.userId), sid: oidcSid(session.sessionHash) };
    },
  };
}

export type LoginState = ReturnType<typeof loginState>;
