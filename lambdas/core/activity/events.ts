import type { DirectoryEvent } from '../events/directory-event';
import type { TenantId } from '../ids';
import type { Page, PageRequest } from '../paging';

export type ActivityCategory = 'provisioning' | 'sign-in' | 'admin';

/** Something that happened in a tenant, for the admin console's activity page. Never holds a secret. */
export interface ActivityEvent {
  readonly tenantId: TenantId;
  readonly id: string;
  readonly at: string;
  readonly category: ActivityCategory;
  /** e.g. `user.created`, `user.deactivated`, `group.members.added`, `login.succeeded`, `login.failed`. */
  readonly type: string;
  /** Who acted: `scim-token:<tokenId>`, `user:<id>`, `operator`, `idp`. */
  readonly actor: string;
  /** What was acted on, e.g. `user:<id>` or an email for a failed login. */
  readonly target?: string;
  readonly summary: string;
  readonly correlationId?: string;
}

export interface ActivityLog {
  /** Writes the entry, with the directory events of the same fact (if any) in the same write. */
  record(event: ActivityEvent, directoryEvents?: readonly DirectoryEvent[]): Promise<void>;
  /** Newest first. */
  list(tenantId: TenantId, page: PageRequest & { category?: ActivityCategory }): Promise<Page<ActivityEvent>>;
}
