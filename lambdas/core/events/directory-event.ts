import type { TenantId } from '../ids';

/**
 * The contract with the product's apps: every change to a tenant's directory, sign-ins and sessions is one
 * of these, written in the same DynamoDB transaction as the change (the outbox) and forwarded from the
 * table's stream. docs/events.md is the documentation of record; bump `schemaVersion` on a breaking change.
 */
export const DIRECTORY_EVENT_SCHEMA_VERSION = 1;

/** EventBridge `source` of every directory event: the forwarder puts it, the stack's rules match it. */
export const DIRECTORY_EVENT_SOURCE = 'natoma-sso';

export const DIRECTORY_EVENT_TYPES = [
  'user.created',
  'user.updated',
  'user.deactivated',
  'user.reactivated',
  'user.deleted',
  'group.created',
  'group.renamed',
  'group.deleted',
  'group.members.added',
  'group.members.removed',
  'signin.succeeded',
  'signin.refused',
  'sso.configuration.activated',
  'scim_token.created',
  'scim_token.revoked',
  /** A sign-in session ended before its expiry (logout, admin revoke, deactivation, deletion): drives back-channel logout. */
  'session.ended',
] as const;

export type DirectoryEventType = (typeof DIRECTORY_EVENT_TYPES)[number];

export type DirectoryResourceType = 'user' | 'group' | 'tenant' | 'scim_token' | 'session';

export interface DirectoryEvent {
  /** Unique per event: a consumer deduplicates on it (delivery is at least once). */
  readonly id: string;
  readonly schemaVersion: typeof DIRECTORY_EVENT_SCHEMA_VERSION;
  readonly type: DirectoryEventType;
  readonly tenantId: TenantId;
  readonly occurredAt: string;
  /**
   * What changed and its version after the change: a consumer orders a resource's events by `version`
   * (delivery order across resources is not guaranteed).
   */
  readonly resource: { readonly type: DirectoryResourceType; readonly id: string; readonly version: number };
  /** Who acted: `scim-token:<tokenId>`, `user:<id>`, `operator`, `idp`, `system`. */
  readonly actor: string;
  readonly correlationId?: string;
  /** The type's own fields (docs/events.md); never a secret, a token or an assertion. */
  readonly data: Readonly<Record<string, unknown>>;
}
