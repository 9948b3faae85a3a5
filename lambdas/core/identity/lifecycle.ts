import type { TenantId, UserId } from '../ids';
import type { SessionStore } from '../sessions/ports';
import type { UserRepository } from './ports';
import type { ChangedBy, ProvisioningActivity } from './provisioning-activity';
import type { User } from './user';

export interface UserLifecycleDeps {
  readonly users: UserRepository;
  readonly sessions: SessionStore;
  readonly activity: ProvisioningActivity;
}

/** The step a write takes a user through, judged from the record before and after it. */
export type LifecycleStep = 'deactivated' | 'reactivated' | undefined;

export function lifecycleStepOf(before: Pick<User, 'active'>, after: Pick<User, 'active'>): LifecycleStep {
  if (before.active && !after.active) return 'deactivated';
  if (!before.active && after.active) return 'reactivated';
  return undefined;
}

const sameJson = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);

/** The names of the profile attributes a write changed (status excluded: it has events of its own). */
export function changedAttributes(before: User, after: User): string[] {
  const names: string[] = [];
  for (const key of ['userName', 'externalId', 'displayName', 'name', 'emails'] as const) if (!sameJson(before[key], after[key])) names.push(key);
  const keys = new Set([...Object.keys(before.profile), ...Object.keys(after.profile)]);
  for (const key of keys) if (!sameJson(before.profile[key], after.profile[key])) names.push(key);
  return names;
}

/**
 * A user's lifecycle, whoever drives it (SCIM today, the console later), and what each step does to sessions:
 * - deactivation revokes every session of the user at once (the SAML side refuses inactive users at sign-in);
 * - reactivation restores sign-in, not the revoked sessions;
 * - deletion removes the user with its memberships, then every session.
 * Each step is an activity event.
 */
export class UserLifecycle {
  constructor(private readonly deps: UserLifecycleDeps) {}

  async create(user: User, by: ChangedBy): Promise<void> {
    await this.deps.users.create(user);
    await this.deps.activity.record(user.tenantId, by, 'user.created', `user:${user.id}`, `User ${user.userName} created${user.active ? '' : ' (inactive)'}`);
  }

  /**
   * Writes `next` over `current` (PreconditionFailedError when someone else wrote first: nothing else happens
   * then), and applies what a change of `active` means.
   */
  async replace(current: User, next: User, by: ChangedBy): Promise<void> {
    await this.deps.users.replace(next, current.version);
    const step = lifecycleStepOf(current, next);
    if (step === 'deactivated') {
      const revoked = await this.deps.sessions.revokeAllOfUser(next.tenantId, next.id, 'deactivated');
      await this.deps.activity.record(next.tenantId, by, 'user.deactivated', `user:${next.id}`, `User ${next.userName} deactivated; ${revoked} session(s) revoked`);
    } else if (step === 'reactivated') {
      await this.deps.activity.record(next.tenantId, by, 'user.reactivated', `user:${next.id}`, `User ${next.userName} reactivated`);
    }
    const changed = changedAttributes(current, next);
    if (changed.length > 0) await this.deps.activity.record(next.tenantId, by, 'user.updated', `user:${next.id}`, `User ${next.userName} updated: ${changed.join(', ')}`);
  }

  /**
   * An inactive user keeps no session. A deactivation cut short between its two writes (the user saved, the
   * sessions not yet ended) is finished when the IdP retries it, a write that changes nothing more.
   */
  async endLeftoverSessions(user: User): Promise<void> {
    if (!user.active) await this.deps.sessions.revokeAllOfUser(user.tenantId, user.id, 'deactivated');
  }

  /** The same for a deletion cut short after the user's delete: the IdP's retry (a 404) ends what sessions are left. */
  async endSessionsOfDeleted(tenantId: TenantId, userId: UserId): Promise<void> {
    await this.deps.sessions.revokeAllOfUser(tenantId, userId, 'deleted');
  }

  async delete(user: User, by: ChangedBy): Promise<void> {
    await this.deps.users.delete(user.tenantId, user.id);
    await this.deps.sessions.revokeAllOfUser(user.tenantId, user.id, 'deleted');
    await this.deps.activity.record(user.tenantId, by, 'user.deleted', `user:${user.id}`, `User ${user.userName} deleted`);
  }
}
