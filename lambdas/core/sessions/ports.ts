import type { ActivityEvent } from '../activity/events';
import type { DirectoryEvent } from '../events/directory-event';
import type { SessionEndReason } from '../events/build';
import type { TenantId, UserId } from '../ids';

export interface Session {
  /** SHA-256 of the cookie value: the cookie itself is never stored. */
  readonly sessionHash: string;
  readonly tenantId: TenantId;
  readonly userId: UserId;
  readonly kind: 'app' | 'admin';
  readonly createdAt: string;
  readonly lastSeenAt: string;
  readonly expiresAt: string;
  /** Anti-CSRF token bound to the session (admin console). */
  readonly csrfToken?: string;
  /** What the login said, for the dashboard: e.g. the SAML session index, IdP entity. */
  readonly attributes?: Record<string, string>;
}

/** Server-side sessions with a TTL; revocable one by one or all of a user's at once. */
export interface SessionStore {
  put(session: Session): Promise<void>;
  get(sessionHash: string): Promise<Session | undefined>;
  /** Extends an idle timeout without exceeding the absolute one. */
  touch(sessionHash: string, lastSeenAt: Date, expiresAt: Date): Promise<void>;
  /** Ends the session; an app session's early end is a `session.ended` event (reason defaults to `logout`). */
  revoke(sessionHash: string, reason?: SessionEndReason): Promise<void>;
  /** Ends every session of the user (reason defaults to `revoked`); returns how many were live. */
  revokeAllOfUser(tenantId: TenantId, userId: UserId, reason?: SessionEndReason): Promise<number>;
  listOfUser(tenantId: TenantId, userId: UserId): Promise<Session[]>;
}

/**
 * Short-lived values shared by every Lambda instance (SAML request IDs, assertion IDs,
 * one-time links, pagination cursors), each gone after its expiry.
 */
export interface EphemeralStore {
  /** Stores the value only if the key is free (or expired); returns false when it was taken. */
  putIfAbsent(key: string, value: string, expiresAt: Date): Promise<boolean>;
  put(key: string, value: string, expiresAt: Date): Promise<void>;
  get(key: string): Promise<string | undefined>;
  /** Reads and deletes in one atomic step: a second take of the same key gets undefined. */
  take(key: string): Promise<string | undefined>;
  delete(key: string): Promise<void>;
  /**
   * Claims one of `limit` uses of `key` until `expiresAt`, atomically: true while uses remain, false once
   * they are spent (a rate limit that holds across every Lambda instance). Name keys per time window.
   */
  claimQuota(key: string, limit: number, expiresAt: Date): Promise<boolean>;
}

/** A short-lived value as EphemeralStore holds it. */
export interface EphemeralEntry {
  readonly key: string;
  readonly value: string;
  readonly expiresAt: Date;
}

/** The writes that complete one sign-in; all of them happen, or none. */
export interface SignInRecord {
  /**
   * A single-use key claimed like EphemeralStore.putIfAbsent (e.g. `saml-assertion:<tenant>:<id>`): when it is
   * taken and not expired (a replay), nothing at all is written.
   */
  readonly claim: EphemeralEntry;
  readonly session?: Session;
  /** E.g. the `admin-link:<hash>` grant an admin's SSO login hands to the console. */
  readonly grant?: EphemeralEntry;
  readonly events: readonly ActivityEvent[];
  /** The directory events of the sign-in (`signin.succeeded`), written in the same transaction. */
  readonly directoryEvents?: readonly DirectoryEvent[];
}

export interface SignInWriter {
  /** Writes the record atomically; false (and nothing written) when the claim was already taken. */
  commit(record: SignInRecord): Promise<boolean>;
}
