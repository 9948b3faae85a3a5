import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import { Logger } from '../../lambdas/http/logger';
import type { MaintenanceDeps } from '../../lambdas/maintenance/run';
import { scheduleMaintenance } from '../../local/maintenance-schedule';
import { startTwin } from '../../local/twin';

describe("the twin's maintenance schedule (EventBridge's stand-in)", () => {
  it('never runs two at once, and stop waits for the run under way', async () => {
    let concurrent = 0;
    let most = 0;
    let calls = 0;
    const deps: Omit<MaintenanceDeps, 'now'> = {
      logger: new Logger({}, 'error', () => {}),
      purgePendingGroupMemberships: async () => {
        calls += 1;
        most = Math.max(most, ++concurrent);
        await new Promise((resolve) => setTimeout(resolve, 30));
        concurrent -= 1;
        return { groups: 0, memberships: 0, morePending: false } as unknown as Awaited<ReturnType<MaintenanceDeps['purgePendingGroupMemberships']>>;
      },
    };
    const schedule = scheduleMaintenance(deps, 10);
    const [a, b] = await Promise.all([schedule.runNow(), schedule.runNow()]);
    expect(a).toBe(b);
    await new Promise((resolve) => setTimeout(resolve, 125));
    await schedule.stop();
    expect(concurrent).toBe(0);
    const after = calls;
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(most).toBe(1);
    expect(calls).toBeGreaterThan(1);
    expect(calls).toBe(after);
  });

  it('runs the maintenance work on a twin started with a schedule', async () => {
    const lines: string[] = [];
    const dataDir = await mkdtemp(join(tmpdir(), 'natoma-maint-'));
    const twin = await startTwin({ dataDir, port: 0, adminPort: 0, dynamoEndpoint: inject('dynamoEndpoint'), tableName: `maint-${randomUUID()}`, logLevel: 'info', logSink: (line) => lines.push(line), maintenanceEveryMs: 100 });
    try {
      const deadline = Date.now() + 10_000;
      while (!lines.some((line) => line.includes('"service":"maintenance"')) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
      expect(lines.some((line) => line.includes('"service":"maintenance"'))).toBe(true);
    } finally {
      await twin.stop();
      await rm(dataDir, { recursive: true, force: true });
    }
  }, 60_000);
});
