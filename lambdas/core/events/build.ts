import { randomUUID } from 'node:crypto';
import type { Clock } from '../clock';
import type { Group } from '../identity/group';
import { changedAttributes, lifecycleStepOf } from '../identity/lifecycle';
import type { ChangedBy } from '../identity/provisioning-activity';
import type { User } from '../identity/user';
import type { GroupId, TenantId, UserId } from '../ids';
import type { Session } from '../sessions/ports';
import type { Tenant } from '../tenancy/tenant';
import { oidcSid } from '../sessions/sid';
import { DIRECTORY_EVENT_SCHEMA_VERSION, type DirectoryEvent, type DirectoryEventType } from './directory-event';

/** Why an app session ended early (C1). */
export type SessionEndReason = 'logout' | 'revoked' | 'deactivated' | 'deleted' | 'rp-logout';

/**
 * Builds the directory events of a write. Which type a change yields is decided here (one event per
 * change, docs/events.md); the adapters only add what these return to the transaction they write.
 */
export class DirectoryEvents {
  constructor(private readonly clock: Clock) {}

  private event(
    type: DirectoryEventType,
    tenantId: TenantId,
    resource: DirectoryEvent['resource'],
    by: ChangedBy,
    data: Record<string, unknown> = {},
  ): DirectoryEvent {
    return {
      id: randomUUID(),
      schemaVersion: DIRECTORY_EVENT_SCHEMA_VERSION,
      type,
      tenantId,
      occurredAt: this.clock.now().toISOString(),
      resource,
      actor: by.actor,
      ...(by.correlationId ? { correlationId: by.correlationId } : {}),
      data,
    };
  }

  userCreated(user: User, by: ChangedBy): DirectoryEvent {
    return this.event('user.created', user.tenantId, userResource(user), by, userData(user));
  }

  /**
   * One event per write: a change of `active` is `user.deactivated`/`user.reactivated` (with the other
   * attributes it changed), else `user.updated` naming the changed attributes; none when nothing changed.
   */
  userReplaced(before: User, after: User, by: ChangedBy): DirectoryEvent[] {
    const step = lifecycleStepOf(before, after);
    const changed = changedAttributes(before, after);
    if (!step && changed.length === 0) return [];
    const type = step === 'deactivated' ? 'user.deactivated' : step === 'reactivated' ? 'user.reactivated' : 'user.updated';
    return [this.event(type, after.tenantId, userResource(after), by, { ...userData(after), changedAttributes: changed })];
  }

  /** Version: the deleted user's last version + 1, so it orders after every earlier event of the user. */
  userDeleted(user: User, by: ChangedBy): DirectoryEvent {
    return this.event('user.deleted', user.tenantId, { type: 'user', id: user.id, version: user.version + 1 }, by, { userName: user.userName });
  }

  groupCreated(group: Group, by: ChangedBy): DirectoryEvent {
    return this.event('group.created', group.tenantId, groupResource(group), by, groupData(group));
  }

  /** `group.renamed` for a change of displayName; other attribute changes (externalId, profile) are not events. */
  groupReplaced(before: Group, after: Group, by: ChangedBy): DirectoryEvent[] {
    if (before.displayName === after.displayName) return [];
    return [this.event('group.renamed', after.tenantId, groupResource(after), by, { ...groupData(after), previousDisplayName: before.displayName })];
  }

  groupDeleted(group: Group, by: ChangedBy): DirectoryEvent {
    return this.event('group.deleted', group.tenantId, { type: 'group', id: group.id, version: group.version + 1 }, by, { displayName: group.displayName });
  }

  /** One event per membership transaction (a chunk of up to 49 users), at the group's version after it. */
  membersChanged(change: 'added' | 'removed', tenantId: TenantId, groupId: GroupId, versionAfter: number, userIds: readonly UserId[], by: ChangedBy): DirectoryEvent {
    return this.event(`group.members.${change}`, tenantId, { type: 'group', id: groupId, version: versionAfter }, by, { groupId, userIds: [...userIds] });
  }

  /**
   * A session (app) or console grant (admin) opened: resource `session` at version 0, so the session's
   * `session.ended` (version 1) orders after it. `sidSource` is the session hash (the grant's key for the console).
   */
  signInSucceeded(tenantId: TenantId, userId: UserId, sidSource: string, kind: 'app' | 'admin', initiatedBy: 'sp' | 'idp', by: ChangedBy): DirectoryEvent {
    const sid = oidcSid(sidSource);
    return this.event('signin.succeeded', tenantId, { type: 'session', id: sid, version: 0 }, by, { userId, sid, kind, initiatedBy });
  }

  /** A refusal for an existing tenant, in the activity log's fixed words (never the assertion or its text). */
  signInRefused(tenant: Pick<Tenant, 'id' | 'version'>, code: string, reason: string, by: ChangedBy): DirectoryEvent {
    return this.event('signin.refused', tenant.id, { type: 'tenant', id: tenant.id, version: tenant.version }, by, { code, reason });
  }

  /** A write that changes which SAML configuration is active (an activation, or a rollback to the previous one). */
  tenantReplaced(before: Tenant, after: Tenant, by: ChangedBy): DirectoryEvent[] {
    const active = after.sso.active;
    if (!active || active.configId === before.sso.active?.configId) return [];
    return [this.event('sso.configuration.activated', after.id, { type: 'tenant', id: after.id, version: after.version }, by, { configId: active.configId, entityId: active.entityId })];
  }

  /** A token is created (version 1) and revoked (version 2) once: it has no other changes. */
  scimToken(change: 'created' | 'revoked', tenantId: TenantId, tokenId: string, hint: string, by: ChangedBy): DirectoryEvent {
    return this.event(`scim_token.${change}`, tenantId, { type: 'scim_token', id: tokenId, version: change === 'created' ? 1 : 2 }, by, { tokenId, hint });
  }

  /** Only app sessions end with an event (admin console sessions concern no app). */
  sessionEnded(session: Session, reason: SessionEndReason, by: ChangedBy): DirectoryEvent | undefined {
    if (session.kind !== 'app') return undefined;
    const sid = oidcSid(session.sessionHash);
    return this.event('session.ended', session.tenantId, { type: 'session', id: sid, version: 1 }, by, { userId: session.userId, sid, reason });
  }
}

const userResource = (user: User): DirectoryEvent['resource'] => ({ type: 'user', id: user.id, version: user.version });
const groupResource = (group: Group): DirectoryEvent['resource'] => ({ type: 'group', id: group.id, version: group.version });

/** What a consumer needs to act on a user without reading us back; never a secret. */
function userData(user: User): Record<string, unknown> {
  const primary = user.emails.find((email) => email.primary) ?? user.emails[0];
  return {
    userName: user.userName,
    active: user.active,
    ...(user.externalId ? { externalId: user.externalId } : {}),
    ...(user.displayName ? { displayName: user.displayName } : {}),
    ...(user.name?.givenName ? { givenName: user.name.givenName } : {}),
    ...(user.name?.familyName ? { familyName: user.name.familyName } : {}),
    ...(primary ? { email: primary.value } : {}),
  };
}

const groupData = (group: Group): Record<string, unknown> => ({
  displayName: group.displayName,
  ...(group.externalId ? { externalId: group.externalId } : {}),
});
