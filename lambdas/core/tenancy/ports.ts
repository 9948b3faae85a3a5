import type { TenantId } from '../ids';
import type { Page, PageRequest } from '../paging';
import type { Tenant } from './tenant';

/**
 * Persists tenants. Every domain of a tenant maps to at most one tenant:
 * create/replace throw ConflictError when a domain belongs to another tenant.
 */
export interface TenantRepository {
  create(tenant: Tenant): Promise<void>;
  get(tenantId: TenantId): Promise<Tenant | undefined>;
  /** Writes `tenant` (whose version must be expectedVersion + 1); PreconditionFailedError when stale. */
  replace(tenant: Tenant, expectedVersion: number): Promise<void>;
  findByDomain(domain: string): Promise<Tenant | undefined>;
  /** Oldest first. */
  list(page: PageRequest): Promise<Page<Tenant>>;
}

export interface ScimTokenRecord {
  readonly tenantId: TenantId;
  readonly tokenId: string;
  /** The first characters of the token, enough for an admin to tell tokens apart; never the secret part. */
  readonly hint: string;
  readonly createdAt: string;
  readonly lastUsedAt?: string;
}

/** Token metadata (the hashes live in the SecretStore). At most two per tenant. */
export interface ScimTokenRepository {
  put(record: ScimTokenRecord): Promise<void>;
  list(tenantId: TenantId): Promise<ScimTokenRecord[]>;
  delete(tenantId: TenantId, tokenId: string): Promise<void>;
  /** Records a use, but writes only when the stored lastUsedAt is older than `coarserThanSec`. */
  touch(tenantId: TenantId, tokenId: string, at: Date, coarserThanSec: number): Promise<void>;
}
