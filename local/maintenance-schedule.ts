import type { MaintenanceDeps, MaintenanceReport } from '../lambdas/maintenance/run';
import { runMaintenance } from '../lambdas/maintenance/handler';

/** What a scheduled run may use, like the deployed function's timeout minus its safety margin. */
const RUN_BUDGET_MS = 50_000;

export interface MaintenanceSchedule {
  /** Runs once now (waiting for a run already under way), as the schedule would. */
  runNow(): Promise<MaintenanceReport>;
  stop(): Promise<void>;
}

/**
 * The twin's stand-in for the EventBridge rule that runs the maintenance Lambda: the same `runMaintenance`
 * every `everyMs`, never two at once, so background work (group purges, large member replaces, metadata
 * refresh) finishes locally as it does on AWS.
 */
export function scheduleMaintenance(deps: Omit<MaintenanceDeps, 'now'>, everyMs: number): MaintenanceSchedule {
  let running: Promise<MaintenanceReport> | undefined;
  const runNow = (): Promise<MaintenanceReport> => {
    if (running) return running;
    const started = Date.now();
    running = runMaintenance(deps, { remainingMs: () => RUN_BUDGET_MS - (Date.now() - started) }).finally(() => (running = undefined));
    return running;
  };
  const timer = setInterval(() => {
    runNow().catch((error: unknown) => deps.logger.error('maintenance run failed', { error }));
  }, everyMs);
  timer.unref();
  return {
    runNow,
    stop: async () => {
      clearInterval(timer);
      await running?.catch(() => undefined);
    },
  };
}
