import { systemClock, type Clock } from '../../core/clock';
import { DynamoActivityLog } from './activity-log';
import { DynamoAppClientRepository } from './app-client-repository';
import { DynamoEphemeralStore } from './ephemeral-store';
import { DynamoGroupRepository } from './group-repository';
import { DynamoMemberships, type PurgeReport } from './memberships';
import type { DocumentSender, DynamoContext } from './operations';
import { DynamoScimTokenRepository } from './scim-token-repository';
import { DynamoSessionStore } from './session-store';
import { DynamoSignInWriter } from './sign-in-writer';
import { DynamoTenantRepository } from './tenant-repository';
import { DynamoUserRepository } from './user-repository';

export interface DynamoAdapters {
  readonly tenants: DynamoTenantRepository;
  readonly scimTokens: DynamoScimTokenRepository;
  readonly users: DynamoUserRepository;
  readonly groups: DynamoGroupRepository;
  readonly sessions: DynamoSessionStore;
  readonly ephemeral: DynamoEphemeralStore;
  readonly activity: DynamoActivityLog;
  /** The product's apps (OIDC clients). */
  readonly apps: DynamoAppClientRepository;
  /** A sign-in's replay marker, session and events in one transaction. */
  readonly signIns: DynamoSignInWriter;
  /**
   * Finishes membership purges that deletes left behind (a group larger than a request's budget,
   * a request that died). For a schedule or an idle moment; safe alongside requests.
   */
  purgePendingGroupMemberships(maxItems: number): Promise<PurgeReport>;
}

/**
 * Every storage port on one DynamoDB table. `db` is the shared document client (createDocumentClient);
 * anything with the same `send` works, e.g. the tests' countingClient.
 */
export function createDynamoAdapters(opts: { db: DocumentSender; tableName: string; clock?: Clock }): DynamoAdapters {
  const ctx: DynamoContext = { db: opts.db, tableName: opts.tableName, clock: opts.clock ?? systemClock };
  const memberships = new DynamoMemberships(ctx);
  const groups = new DynamoGroupRepository(ctx, memberships);
  return {
    tenants: new DynamoTenantRepository(ctx),
    scimTokens: new DynamoScimTokenRepository(ctx),
    users: new DynamoUserRepository(ctx, memberships),
    groups,
    sessions: new DynamoSessionStore(ctx),
    ephemeral: new DynamoEphemeralStore(ctx),
    activity: new DynamoActivityLog(ctx),
    apps: new DynamoAppClientRepository(ctx),
    signIns: new DynamoSignInWriter(ctx),
    purgePendingGroupMemberships: (maxItems) => groups.purgePendingGroupMemberships(maxItems),
  };
}

export type { DocumentSender } from './operations';
export type { PurgeReport } from './memberships';
export { MAX_EMAILS_PER_USER } from './user-repository';
export { MAX_DOMAINS_PER_TENANT } from './tenant-repository';
export { MAX_PAGE_LIMIT } from './operations';
