import type { PurgeReport } from '../adapters/dynamodb/index';
import type { Page, PageRequest } from '../core/paging';
import type { RefreshResult } from '../core/sso/metadata-refresh';
import type { Tenant } from '../core/tenancy/tenant';
import type { Logger } from '../http/logger';

/**
 * Memberships removed per purge call. One call of 1,000 is one Query and 40 BatchWriteItems: about
 * a second on DynamoDB, so the time check between calls stays fine-grained.
 */
const ITEMS_PER_ROUND = 1000;
/**
 * Time kept back from the Lambda timeout: one more round (a user purge is one transaction per group
 * the user was in) must still fit, and the summary log line must be written.
 */
export const SAFETY_MARGIN_MS = 20_000;
/** Tenants read per page when walking them for the IdP metadata refresh. */
const TENANTS_PER_PAGE = 100;
/**
 * A tenant refresh is started only while this much time is left (or the slowest refresh so far, if
 * longer): a metadata fetch is bounded at 5 s, plus a few table calls.
 */
const METADATA_STEP_MS = 8_000;

/** The scheduled IdP metadata refresh (lambdas/core/sso/metadata-refresh.ts) as the run sees it. */
export interface MetadataRefreshPort {
  listTenants(page: PageRequest): Promise<Page<Tenant>>;
  /** Never throws for one tenant; does nothing when the tenant was refreshed within the period. */
  refreshIfDue(tenant: Tenant): Promise<RefreshResult>;
}

export interface MetadataRefreshReport {
  readonly tenantsSeen: number;
  /** Tenants whose metadata was fetched (or attempted) in this run. */
  readonly refreshed: number;
  readonly certificatesAdded: number;
  readonly changed: number;
  readonly failed: number;
  readonly expiryWarnings: number;
  /** `done` when every tenant was seen, `time` when the budget ran out (the next run walks again; refreshed tenants are not due). */
  readonly stoppedBy: 'done' | 'time';
}

export interface MaintenanceDeps {
  purgePendingGroupMemberships(maxItems: number): Promise<PurgeReport>;
  logger: Logger;
  /** When present, the run also walks the tenants and refreshes their IdP metadata (after the purges). */
  metadataRefresh?: MetadataRefreshPort;
  /** Milliseconds since some epoch; injected so tests can drive it. @default performance.now */
  now?: () => number;
}

export interface MaintenanceBudget {
  /** Milliseconds left for the work (the caller has already taken its safety margin off). */
  remainingMs(): number;
  /** @default ITEMS_PER_ROUND */
  itemsPerRound?: number;
}

export interface MaintenanceReport extends PurgeReport {
  /** Purge calls made. */
  readonly rounds: number;
  readonly durationMs: number;
  /** `done` when nothing is pending, `time` when the budget ran out first (the next run continues). */
  readonly stoppedBy: 'done' | 'time';
  readonly metadata?: MetadataRefreshReport;
}

/**
 * Finishes pending group-membership purges (group deletes past their inline budget, user deletes
 * whose request died) and full replaces of members whose removals were left to the background
 * (resumed from their cursor), until none is pending or the time budget runs out. Always makes one call,
 * so a run reports whether work is pending; after that it starts a call only when the time left
 * exceeds the slowest call so far. Errors propagate: the Lambda fails and its Errors alarm fires.
 */
export async function runMaintenance(deps: MaintenanceDeps, budget: MaintenanceBudget): Promise<MaintenanceReport> {
  const now = deps.now ?? (() => performance.now());
  const itemsPerRound = budget.itemsPerRound ?? ITEMS_PER_ROUND;
  const started = now();
  let rounds = 0;
  let membershipsRemoved = 0;
  let purgesFinished = 0;
  let morePending = true;
  let slowestRoundMs = 0;

  do {
    const roundStarted = now();
    const result = await deps.purgePendingGroupMemberships(itemsPerRound);
    slowestRoundMs = Math.max(slowestRoundMs, now() - roundStarted);
    rounds++;
    membershipsRemoved += result.membershipsRemoved;
    purgesFinished += result.purgesFinished;
    morePending = result.morePending;
  } while (morePending && budget.remainingMs() > slowestRoundMs);

  const purgeReport = {
    rounds,
    membershipsRemoved,
    purgesFinished,
    morePending,
    durationMs: Math.round(now() - started),
    stoppedBy: morePending ? ('time' as const) : ('done' as const),
  };
  deps.logger.info('membership purge run', { ...purgeReport });
  if (!deps.metadataRefresh) return purgeReport;
  const metadata = await refreshTenantsMetadata(deps.metadataRefresh, budget, now);
  deps.logger.info('idp metadata refresh run', { ...metadata });
  return { ...purgeReport, durationMs: Math.round(now() - started), metadata };
}

/**
 * Walks every tenant (gsi1 pages) and refreshes the IdP metadata of those that are due, while the
 * budget allows one more refresh. A tenant's failure is counted (and recorded as its activity by the
 * refresh), never thrown; a failed table read of the listing propagates.
 */
async function refreshTenantsMetadata(port: MetadataRefreshPort, budget: MaintenanceBudget, now: () => number): Promise<MetadataRefreshReport> {
  let tenantsSeen = 0;
  let refreshed = 0;
  let certificatesAdded = 0;
  let changed = 0;
  let failed = 0;
  let expiryWarnings = 0;
  let slowestMs = 0;
  let cursor: string | undefined;
  const timeLeft = () => budget.remainingMs() > Math.max(slowestMs, METADATA_STEP_MS);
  do {
    if (!timeLeft()) return { tenantsSeen, refreshed, certificatesAdded, changed, failed, expiryWarnings, stoppedBy: 'time' };
    const page = await port.listTenants({ limit: TENANTS_PER_PAGE, cursor });
    for (const tenant of page.items) {
      if (!timeLeft()) return { tenantsSeen, refreshed, certificatesAdded, changed, failed, expiryWarnings, stoppedBy: 'time' };
      tenantsSeen++;
      const stepStarted = now();
      const result = await port.refreshIfDue(tenant);
      slowestMs = Math.max(slowestMs, now() - stepStarted);
      if (result.outcome === 'no-active-config' || result.outcome === 'not-due') continue;
      refreshed++;
      certificatesAdded += result.certificatesAdded;
      expiryWarnings += result.expiryWarnings;
      if (result.outcome === 'changed') changed++;
      if (result.outcome === 'failed') failed++;
    }
    cursor = page.cursor;
  } while (cursor !== undefined);
  return { tenantsSeen, refreshed, certificatesAdded, changed, failed, expiryWarnings, stoppedBy: 'done' };
}
