import { z } from 'zod/v3';
import type { ActivityEvent } from '../../core/activity/events';
import { epochSeconds } from '../../core/clock';
import type { Group } from '../../core/identity/group';
import type { User } from '../../core/identity/user';
import type { GroupId, TenantId, UserId } from '../../core/ids';
import type { Session } from '../../core/sessions/ports';
import type { ScimTokenRecord } from '../../core/tenancy/ports';
import type { Tenant } from '../../core/tenancy/tenant';
import { keys } from './keys';

/**
 * Item <-> domain codecs. Every item carries `entity`; reads check it and validate the shape with
 * zod, so a corrupted or foreign item fails loudly here instead of deep inside a use case.
 * Key attributes (pk, sk, gsi1*) and `entity` are stripped on the way out.
 */

export type Entity =
  | 'Tenant'
  | 'DomainGuard'
  | 'Counters'
  | 'ScimToken'
  | 'User'
  | 'UserNameGuard'
  | 'UserIndex'
  | 'Group'
  | 'GroupIndex'
  | 'Membership'
  | 'UserGroup'
  | 'Purge'
  | 'ReplaceJob'
  | 'ReplaceChunk'
  | 'Session'
  | 'UserSession'
  | 'Ephemeral'
  | 'ActivityEvent';

export type Item = Record<string, unknown>;

export interface ReplaceJob {
  readonly tenantId: TenantId;
  readonly groupId: GroupId;
  readonly jobId: string;
  /** Memberships written at or after this instant are never removed by the job. */
  readonly startedAt: string;
  readonly chunks: number;
  /** The last membership sort key examined: the walk resumes after it. */
  readonly cursor?: string;
}

/** Thrown when a stored item does not have the shape its key promises (a bug or corruption, not user input). */
export class CorruptItemError extends Error {}

function decode<T>(schema: z.ZodType<T, z.ZodTypeDef, unknown>, entity: Entity, item: Item): T {
  if (item.entity !== entity) {
    throw new CorruptItemError(`stored item ${String(item.pk)} / ${String(item.sk)} should be a ${entity} but is a ${String(item.entity)}`);
  }
  const result = schema.safeParse(item);
  if (!result.success) {
    // Paths only: values may be personal data.
    const paths = result.error.issues.map((issue) => issue.path.join('.') || '(root)').join(', ');
    throw new CorruptItemError(`stored ${entity} ${String(item.pk)} / ${String(item.sk)} is malformed at: ${paths}`);
  }
  return result.data;
}

const tenantId = z.string().min(1).transform((value) => value as TenantId);
const userId = z.string().min(1).transform((value) => value as UserId);
const groupId = z.string().min(1).transform((value) => value as GroupId);
const isoTime = z.string().min(1);
const version = z.number().int().nonnegative();
const profile = z.record(z.string(), z.unknown());

const idpConfig = z.object({
  configId: z.string(),
  entityId: z.string(),
  ssoRedirectUrl: z.string().optional(),
  ssoPostUrl: z.string().optional(),
  signingCertificates: z.array(z.string()),
  wantAuthnRequestsSigned: z.boolean(),
  metadataUrl: z.string().optional(),
  importedAt: isoTime,
  withdrawnCertificates: z.array(z.object({ certificate: z.string(), since: isoTime, trustedUntil: isoTime })).optional(),
});
const samlProblem = z.object({
  code: z.string(),
  message: z.string(),
  expected: z.string().optional(),
  received: z.string().optional(),
});
const samlTestOutcome = z.discriminatedUnion('status', [
  z.object({ status: z.literal('passed'), at: isoTime, attributes: z.record(z.string(), z.array(z.string())), nameId: z.string(), advice: z.array(samlProblem).optional() }),
  z.object({ status: z.literal('failed'), at: isoTime, problems: z.array(samlProblem) }),
]);

const tenantSchema: z.ZodType<Tenant, z.ZodTypeDef, unknown> = z.object({
  id: tenantId,
  name: z.string(),
  plan: z.enum(['trial', 'paid']),
  domains: z.array(z.string()),
  sso: z.object({
    draft: idpConfig.extend({ test: samlTestOutcome.optional() }).optional(),
    active: idpConfig.optional(),
    previous: idpConfig.optional(),
    allowIdpInitiated: z.boolean(),
    jitProvisioning: z.boolean(),
    clockSkewSec: z.number(),
  }),
  scim: z.object({ enabled: z.boolean(), enabledAt: isoTime.optional() }),
  createdAt: isoTime,
  updatedAt: isoTime,
  version,
});

const userSchema: z.ZodType<User, z.ZodTypeDef, unknown> = z.object({
  tenantId,
  id: userId,
  userName: z.string().min(1),
  externalId: z.string().optional(),
  active: z.boolean(),
  displayName: z.string().optional(),
  name: z
    .object({
      formatted: z.string().optional(),
      givenName: z.string().optional(),
      familyName: z.string().optional(),
      middleName: z.string().optional(),
      honorificPrefix: z.string().optional(),
      honorificSuffix: z.string().optional(),
    })
    .optional(),
  emails: z.array(z.object({ value: z.string(), type: z.string().optional(), primary: z.boolean().optional(), display: z.string().optional() })),
  profile,
  source: z.enum(['scim', 'jit']),
  isAdmin: z.boolean(),
  createdAt: isoTime,
  updatedAt: isoTime,
  version,
});

const groupSchema: z.ZodType<Group, z.ZodTypeDef, unknown> = z.object({
  tenantId,
  id: groupId,
  displayName: z.string(),
  externalId: z.string().optional(),
  profile,
  memberCount: z.number().int().nonnegative(),
  createdAt: isoTime,
  updatedAt: isoTime,
  version,
});

const scimTokenSchema: z.ZodType<ScimTokenRecord, z.ZodTypeDef, unknown> = z.object({
  tenantId,
  tokenId: z.string().min(1),
  hint: z.string(),
  createdAt: isoTime,
  lastUsedAt: isoTime.optional(),
});

const sessionItemSchema = z.object({
  sessionHash: z.string().min(1),
  tenantId,
  userId,
  kind: z.enum(['app', 'admin']),
  createdAt: isoTime,
  lastSeenAt: isoTime,
  expiresAtIso: isoTime,
  csrfToken: z.string().optional(),
  attributes: z.record(z.string(), z.string()).optional(),
});

const userSessionSchema = z.object({ sessionHash: z.string().min(1) });
const USER_SESSION_ENTRY_TTL_MS = 7 * 24 * 60 * 60 * 1000;

const activitySchema: z.ZodType<ActivityEvent, z.ZodTypeDef, unknown> = z.object({
  tenantId,
  id: z.string().min(1),
  at: isoTime,
  category: z.enum(['provisioning', 'sign-in', 'admin']),
  type: z.string(),
  actor: z.string(),
  target: z.string().optional(),
  summary: z.string(),
  correlationId: z.string().optional(),
});

const idPointer = z.object({ id: z.string().min(1) });
const domainGuardSchema = z.object({ tenantId });
const countersSchema = z.object({ users: z.number().int().optional(), groups: z.number().int().optional() });
// addedAt: absent on memberships written before background replaces existed (they count as old).
const membershipSchema = z.object({ userId, groupId, addedAt: isoTime.optional() });
const ephemeralSchema = z.object({ value: z.string(), expiresAt: z.number() });
const purgeSchema = z.object({ kind: z.enum(['group', 'user']), tenantId, id: z.string().min(1) });
const replaceJobSchema = z.object({ tenantId, groupId, jobId: z.string().min(1), startedAt: isoTime, chunks: z.number().int().nonnegative(), cursor: z.string().optional() });
const replaceChunkSchema = z.object({ jobId: z.string().min(1), userIds: z.array(userId) });

const TTL_EVENTS_SEC = 180 * 24 * 3600;

export const items = {
  tenant: {
    encode: (tenant: Tenant): Item => ({
      ...keys.tenant(tenant.id),
      ...keys.tenantListEntry(tenant.id, tenant.createdAt),
      entity: 'Tenant',
      ...tenant,
    }),
    decode: (item: Item): Tenant => decode(tenantSchema, 'Tenant', item),
  },
  domainGuard: {
    encode: (domain: string, owner: TenantId): Item => ({ ...keys.domainGuard(domain), entity: 'DomainGuard', domain, tenantId: owner }),
    decode: (item: Item): TenantId => decode(domainGuardSchema, 'DomainGuard', item).tenantId,
  },
  counters: {
    decode: (item: Item | undefined) => {
      const counters = item ? decode(countersSchema, 'Counters', item) : {};
      return { users: counters.users ?? 0, groups: counters.groups ?? 0 };
    },
  },
  scimToken: {
    encode: (record: ScimTokenRecord): Item => ({ ...keys.scimToken(record.tenantId, record.tokenId), entity: 'ScimToken', ...record }),
    decode: (item: Item): ScimTokenRecord => decode(scimTokenSchema, 'ScimToken', item),
  },
  user: {
    encode: (user: User): Item => ({ ...keys.user(user.tenantId, user.id), entity: 'User', ...user }),
    decode: (item: Item): User => decode(userSchema, 'User', item),
  },
  userNameGuard: {
    encode: (user: Pick<User, 'tenantId' | 'id' | 'userName'>): Item => ({
      ...keys.userNameGuard(user.tenantId, user.userName),
      entity: 'UserNameGuard',
      id: user.id,
    }),
    decode: (item: Item): UserId => decode(idPointer, 'UserNameGuard', item).id as UserId,
  },
  /** Lookup entries (externalId, email) that point at a user id. */
  userIndex: {
    encode: (key: { pk: string; sk: string }, userIdValue: UserId): Item => ({ ...key, entity: 'UserIndex', id: userIdValue }),
    decode: (item: Item): UserId => decode(idPointer, 'UserIndex', item).id as UserId,
  },
  group: {
    encode: (group: Group): Item => ({ ...keys.group(group.tenantId, group.id), entity: 'Group', ...group }),
    decode: (item: Item): Group => decode(groupSchema, 'Group', item),
  },
  groupIndex: {
    encode: (key: { pk: string; sk: string }, groupIdValue: GroupId): Item => ({ ...key, entity: 'GroupIndex', id: groupIdValue }),
    decode: (item: Item): GroupId => decode(idPointer, 'GroupIndex', item).id as GroupId,
  },
  membership: {
    /** `addedAt` lets a background replace spare members added after it started. */
    encode: (tenant: TenantId, group: GroupId, user: UserId, addedAt?: string): Item => ({
      ...keys.membership(tenant, group, user),
      entity: 'Membership',
      tenantId: tenant,
      groupId: group,
      userId: user,
      ...(addedAt !== undefined ? { addedAt } : {}),
    }),
    decode: (item: Item) => decode(membershipSchema, 'Membership', item),
  },
  /** A membership seen from its user (keys.userGroupEntry), always written and deleted with the membership. */
  userGroup: {
    encode: (tenant: TenantId, group: GroupId, user: UserId): Item => ({
      ...keys.userGroupEntry(tenant, user, group),
      entity: 'UserGroup',
      tenantId: tenant,
      groupId: group,
      userId: user,
    }),
    decode: (item: Item) => decode(membershipSchema, 'UserGroup', item),
  },
  purge: {
    encode: (kind: 'group' | 'user', tenant: TenantId, id: string, createdAt: string): Item => ({
      ...(kind === 'group' ? keys.groupPurge(tenant, id as GroupId) : keys.userPurge(tenant, id as UserId)),
      entity: 'Purge',
      kind,
      tenantId: tenant,
      id,
      createdAt,
    }),
    decode: (item: Item) => decode(purgeSchema, 'Purge', item),
  },
  /** A full replace of a group's members whose removals continue in the background (keys.replaceJob). */
  replaceJob: {
    encode: (job: ReplaceJob): Item => ({ ...keys.replaceJob(job.tenantId, job.groupId), entity: 'ReplaceJob', ...job }),
    decode: (item: Item): ReplaceJob => decode(replaceJobSchema, 'ReplaceJob', item),
  },
  /** One part of a replace job's desired member set (keys.replaceChunk), at most ~340 KB. */
  replaceChunk: {
    encode: (tenant: TenantId, group: GroupId, jobId: string, index: number, userIds: UserId[]): Item => ({ ...keys.replaceChunk(tenant, group, jobId, index), entity: 'ReplaceChunk', jobId, userIds }),
    decode: (item: Item) => decode(replaceChunkSchema, 'ReplaceChunk', item),
  },
  session: {
    // `expiresAt` is the table's TTL attribute (epoch seconds); the exact ISO time is kept beside it.
    encode: (session: Session): Item => {
      const { expiresAt, ...rest } = session;
      return {
        ...keys.session(session.sessionHash),
        entity: 'Session',
        ...rest,
        expiresAtIso: expiresAt,
        expiresAt: epochSeconds(new Date(expiresAt)),
      };
    },
    decode: (item: Item): Session => {
      const { expiresAtIso, ...rest } = decode(sessionItemSchema, 'Session', item);
      return { ...rest, expiresAt: expiresAtIso };
    },
  },
  userSession: {
    // Outlives its session (no session lives a week: 8 h app, 12 h admin at most) so that a touched
    // session never loses its entry; an entry whose session is gone is skipped by every reader.
    encode: (session: Session): Item => ({
      ...keys.userSessionEntry(session.tenantId, session.userId, session.sessionHash),
      entity: 'UserSession',
      sessionHash: session.sessionHash,
      expiresAt: epochSeconds(new Date(Date.parse(session.createdAt) + USER_SESSION_ENTRY_TTL_MS)),
    }),
    decode: (item: Item): string => decode(userSessionSchema, 'UserSession', item).sessionHash,
  },
  ephemeral: {
    encode: (key: string, value: string, expiresAt: Date): Item => ({
      ...keys.ephemeral(key),
      entity: 'Ephemeral',
      value,
      expiresAt: epochSeconds(expiresAt),
      // Second precision is too coarse for "expired?" checks of short-lived values; keep milliseconds too.
      expiresAtMs: expiresAt.getTime(),
    }),
    decode: (item: Item) => {
      const decoded = decode(ephemeralSchema, 'Ephemeral', item);
      const expiresAtMs = typeof item.expiresAtMs === 'number' ? item.expiresAtMs : decoded.expiresAt * 1000;
      return { value: decoded.value, expiresAtMs };
    },
  },
  activity: {
    encode: (event: ActivityEvent): Item => ({
      ...keys.event(event.tenantId, event.at, event.id),
      ...keys.eventOfCategory(event.tenantId, event.category, event.at, event.id),
      entity: 'ActivityEvent',
      ...event,
      expiresAt: epochSeconds(new Date(event.at)) + TTL_EVENTS_SEC,
    }),
    decode: (item: Item): ActivityEvent => decode(activitySchema, 'ActivityEvent', item),
  },
};
