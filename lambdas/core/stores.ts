import type { ActivityLog } from './activity/events';
import type { GroupRepository, UserRepository } from './identity/ports';
import type { EphemeralStore, SessionStore } from './sessions/ports';
import type { TenantRepository } from './tenancy/ports';

/** The stores every surface works on; each surface's deps add what only it needs. */
export interface IdentityStores {
  readonly tenants: TenantRepository;
  readonly users: UserRepository;
  readonly groups: GroupRepository;
  readonly sessions: SessionStore;
  readonly ephemeral: EphemeralStore;
  readonly activity: ActivityLog;
}
