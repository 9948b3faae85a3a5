import { randomUUID } from 'node:crypto';
import type { ActivityLog } from '../activity/events';
import type { Clock } from '../clock';
import type { TenantId } from '../ids';

/** Who changed the directory: `scim-token:<tokenId>`, `user:<id>`, `operator`; the request's correlation ID when there is one. */
export interface ChangedBy {
  readonly actor: string;
  readonly correlationId?: string;
}

/** Writes the `provisioning` events of the activity page (users, groups, memberships). */
export class ProvisioningActivity {
  constructor(
    private readonly activity: ActivityLog,
    private readonly clock: Clock,
  ) {}

  async record(tenantId: TenantId, by: ChangedBy, type: string, target: string, summary: string): Promise<void> {
    await this.activity.record({
      tenantId,
      id: randomUUID(),
      at: this.clock.now().toISOString(),
      category: 'provisioning',
      type,
      actor: by.actor,
      target,
      summary,
      ...(by.correlationId ? { correlationId: by.correlationId } : {}),
    });
  }
}
