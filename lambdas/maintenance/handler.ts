import type { Context, ScheduledEvent } from 'aws-lambda';
import { z } from 'zod/v3';
import { createDocumentClient } from '../adapters/dynamodb/client';
import { EnvName } from '../http/env-names';
import { loadEnv } from '../http/env';
import { createLogger } from '../http/logger';
import { composeMaintenance } from './compose';
import { runMaintenance, SAFETY_MARGIN_MS, type MaintenanceDeps, type MaintenanceReport } from './run';

const maintenanceEnvSchema = z.object({
  [EnvName.tableName]: z.string().min(1),
  [EnvName.logLevel]: z.string().optional(),
  /** `deployed`: metadata fetches are https-only to public addresses; `local` (the twin) allows http and loopback. */
  [EnvName.runtimeMode]: z.enum(['deployed', 'local']).default('deployed'),
  DYNAMODB_ENDPOINT: z.string().url().optional(),
});

let composed: Omit<MaintenanceDeps, 'now'> | undefined;

function compose(): Omit<MaintenanceDeps, 'now'> {
  const env = loadEnv(maintenanceEnvSchema);
  return composeMaintenance({
    db: createDocumentClient({ endpoint: env.DYNAMODB_ENDPOINT }),
    tableName: env[EnvName.tableName],
    runtimeMode: env[EnvName.runtimeMode],
    logger: createLogger('maintenance', env[EnvName.logLevel]),
  });
}

// The twin's schedule composes and runs maintenance through these, as the handler does.
export { composeMaintenance, type MaintenanceRuntime } from './compose';
export { runMaintenance } from './run';

/** EventBridge scheduled rule target (the schedule comes from the stage config). */
export const handler = async (event: ScheduledEvent, context: Context): Promise<MaintenanceReport> => {
  composed ??= compose();
  const logger = composed.logger.child({ correlationId: context.awsRequestId, scheduledAt: event.time });
  try {
    return await runMaintenance({ ...composed, logger }, { remainingMs: () => context.getRemainingTimeInMillis() - SAFETY_MARGIN_MS });
  } catch (error) {
    logger.error('maintenance run failed', { error });
    throw error;
  }
};
