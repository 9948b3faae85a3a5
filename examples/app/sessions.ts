import { randomBytes } from 'node:crypto';

export const SESSION_COOKIE = 'example_app_session';
const SESSION_LIFETIME_MS = 8 * 60 * 60 * 1000;
const PENDING_LOGIN_LIFETIME_MS = 10 * 60 * 1000;
/** Every visit to /login makes a session: past this many, the oldest go first so memory stays bounded. */
const MAX_SESSIONS = 10_000;

/** What the app keeps between the redirect to natoma-sso and the callback. */
export interface PendingLogin {
  readonly state: string;
  readonly nonce: string;
  readonly codeVerifier: string;
  /** A path on this app to land on after sign-in (from a third-party-initiated login's target_link_uri). */
  readonly returnTo: string;
  readonly startedAt: number;
}

export interface SignedInUser {
  readonly sub: string;
  /** natoma-sso's session id; a back-channel logout names it. */
  readonly sid?: string;
  readonly claims: Readonly<Record<string, unknown>>;
  /** Kept only to send as id_token_hint at logout. */
  readonly idToken?: string;
  readonly signedInAt: number;
}

export interface Session {
  readonly id: string;
  pending?: PendingLogin;
  user?: SignedInUser;
  readonly createdAt: number;
}

/** The app's own sessions, in memory: a restart signs everyone out, which is fine for an example. */
export class SessionStore {
  private readonly sessions = new Map<string, Session>();

  constructor(private readonly now: () => number = Date.now) {}

  get(id: string | undefined): Session | undefined {
    if (!id) return undefined;
    const session = this.sessions.get(id);
    if (!session) return undefined;
    if (this.now() - session.createdAt > SESSION_LIFETIME_MS) {
      this.sessions.delete(id);
      return undefined;
    }
    if (session.pending && this.now() - session.pending.startedAt > PENDING_LOGIN_LIFETIME_MS) session.pending = undefined;
    return session;
  }

  create(): Session {
    for (const oldest of this.sessions.keys()) {
      if (this.sessions.size < MAX_SESSIONS) break;
      this.sessions.delete(oldest);
    }
    const session: Session = { id: randomBytes(32).toString('base64url'), createdAt: this.now() };
    this.sessions.set(session.id, session);
    return session;
  }

  delete(id: string): void {
    this.sessions.delete(id);
  }

  /**
   * Back-channel logout: end every session of natoma-sso session `sid` (when given), else every session of
   * `sub`. When both are given both must match. Returns how many ended.
   */
  endMatching(match: { readonly sid?: string; readonly sub?: string }): number {
    if (match.sid === undefined && match.sub === undefined) return 0;
    let ended = 0;
    for (const [id, session] of this.sessions) {
      const user = session.user;
      if (!user) continue;
      if (match.sid !== undefined && user.sid !== match.sid) continue;
      if (match.sub !== undefined && user.sub !== match.sub) continue;
      this.sessions.delete(id);
      ended += 1;
    }
    return ended;
  }

  /** Who is signed in right now (the sessions page of a real app would list these). */
  signedInUsers(): SignedInUser[] {
    return [...this.sessions.values()].flatMap((session) => (session.user ? [session.user] : []));
  }
}

export function readCookie(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const separator = part.indexOf('=');
    if (separator > 0 && part.slice(0, separator).trim() === name) return part.slice(separator + 1).trim();
  }
  return undefined;
}

/** HttpOnly so page scripts never see it; SameSite=Lax so it still comes back on the redirect from natoma-sso. */
export function sessionCookie(value: string, secure: boolean, maxAgeSeconds = SESSION_LIFETIME_MS / 1000): string {
  return `${SESSION_COOKIE}=${value}; Path=/; HttpOnly; SameSite=Lax; Max-Age=${maxAgeSeconds}${secure ? '; Secure' : ''}`;
}
