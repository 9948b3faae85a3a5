import type { GroupId, TenantId } from '../ids';

export interface Group {
  readonly tenantId: TenantId;
  readonly id: GroupId;
  readonly displayName: string;
  readonly externalId?: string;
  /** Other attributes a SCIM client sent, kept verbatim. Members are never stored here. */
  readonly profile: Record<string, unknown>;
  /** Exact, maintained in the same transactions as membership writes. */
  readonly memberCount: number;
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly version: number;
}
