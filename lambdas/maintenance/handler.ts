import type { Context, ScheduledEvent } from 'aws-lambda';
import { z } from 'zod/v3';
import { createDocumentClient } from '../adapters/dynamodb/client';
import { createDynamoAdapters, type PurgeReport } from '../adapters/dynamodb/index';
import { EnvName } from '../http/env-names';
import { loadEnv } from '../http/env';
import { createLogger, type Logger } from '../http/logger';

export const maintenanceEnvSchema = z.object({
  [EnvName.tableName]: z.string().min(1),
  [EnvName.logLevel]: z.string().optional(),
  DYNAMODB_ENDPOINT: z.string().url().optional(),
});

/**
 * Memberships removed per purge call. One call of 1,000 is one Query and 40 BatchWriteItems: about
 * a second on DynamoDB, so the time check between calls stays fine-grained.
 */
export const ITEMS_PER_ROUND = 1000;
/**
 * Time kept back from the Lambda timeout: one more round (a user purge is one transaction per group
 * the user was in) must still fit, and the summary log line must be written.
 */
export const SAFETY_MARGIN_MS = 20_000;

export interface MaintenanceDeps {
  purgePendingGroupMemberships(maxItems: number): Promise<PurgeReport>;
  logger: Logger;
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
}

/**
 * Finishes pending group-membership purges (group deletes past their inline budget, user deletes
 * whose request died) until none is pending or the time budget runs out. Always makes one call,
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

  const report: MaintenanceReport = {
    rounds,
    membershipsRemoved,
    purgesFinished,
    morePending,
    durationMs: Math.round(now() - started),
    stoppedBy: morePending ? 'time' : 'done',
  };
  deps.logger.info('membership purge run', { ...report });
  return report;
}

let composed: { adapters: ReturnType<typeof createDynamoAdapters>; logger: Logger } | undefined;

function compose() {
  const env = loadEnv(maintenanceEnvSchema);
  const db = createDocumentClient({ endpoint: env.DYNAMODB_ENDPOINT });
  return {
    adapters: createDynamoAdapters({ db, tableName: env[EnvName.tableName] }),
    logger: createLogger('maintenance', env[EnvName.logLevel]),
  };
}

/** EventBridge scheduled rule target (the schedule comes from the stage config). */
export const handler = async (event: ScheduledEvent, context: Context): Promise<MaintenanceReport> => {
  composed ??= compose();
  const logger = composed.logger.child({ correlationId: context.awsRequestId, scheduledAt: event.time });
  const { adapters } = composed;
  try {
    return await runMaintenance(
      { purgePendingGroupMemberships: (maxItems) => adapters.purgePendingGroupMemberships(maxItems), logger },
      { remainingMs: () => context.getRemainingTimeInMillis() - SAFETY_MARGIN_MS },
    );
  } catch (error) {
    logger.error('membership purge failed', { error });
    throw error;
  }
};
