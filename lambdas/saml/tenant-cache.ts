import { performance } from 'node:perf_hooks';
import type { TenantId } from '../core/ids';
import type { TenantRepository } from '../core/tenancy/ports';
import { normaliseDomain, type Tenant } from '../core/tenancy/tenant';

/** How long a SAML Lambda container may act on a tenant item it read (documented in docs/architecture.md). */
export const TENANT_CACHE_MS = 5_000;
const MAX_ENTRIES = 500;

interface Entry<T> {
  readonly at: number;
  readonly value: Promise<T>;
}

/**
 * A per-container cache of tenant items for the sign-in paths (sign-in page, login start, ACS), so that a
 * burst of logins does not read the same tenant item for each one. Rules that keep it safe:
 * - at most `ttlMs` old (5 s by default): a changed configuration (rollback, settings, plan, certificates)
 *   takes effect within that;
 * - only tenants whose SSO is active are kept: activating SSO (the moment after "Update") is seen at once;
 * - Test SAML, the draft and anything that writes the tenant read the repository directly (`fresh`).
 * Concurrent misses share one read. Time is the process's monotonic clock, not the injected business clock.
 */
export class TenantCache {
  private readonly byId = new Map<string, Entry<Tenant | undefined>>();
  private readonly byDomain = new Map<string, Entry<TenantId | undefined>>();

  constructor(
    private readonly tenants: Pick<TenantRepository, 'get' | 'findByDomain'>,
    private readonly ttlMs = TENANT_CACHE_MS,
    private readonly now: () => number = () => performance.now(),
  ) {}

  get(tenantId: TenantId): Promise<Tenant | undefined> {
    if (this.ttlMs <= 0) return this.tenants.get(tenantId);
    const hit = this.live(this.byId, tenantId);
    if (hit) return hit;
    return this.remember(this.byId, tenantId, this.tenants.get(tenantId), (tenant) => Boolean(tenant?.sso.active));
  }

  /** Reads the repository and refreshes the cache with what it found. */
  async fresh(tenantId: TenantId): Promise<Tenant | undefined> {
    const tenant = await this.tenants.get(tenantId);
    if (this.ttlMs > 0 && tenant?.sso.active) this.store(this.byId, tenantId, { at: this.now(), value: Promise.resolve(tenant) });
    else this.byId.delete(tenantId);
    return tenant;
  }

  async findByDomain(domain: string): Promise<Tenant | undefined> {
    if (this.ttlMs <= 0) return this.tenants.findByDomain(domain);
    const key = normaliseDomain(domain);
    const hit = this.live(this.byDomain, key);
    if (hit) {
      const tenantId = await hit;
      return tenantId ? this.get(tenantId) : undefined;
    }
    const read = this.tenants.findByDomain(domain);
    this.remember(this.byDomain, key, read.then((found) => found?.id), (tenantId) => tenantId !== undefined).catch(() => undefined);
    const tenant = await read;
    if (tenant?.sso.active) this.store(this.byId, tenant.id, { at: this.now(), value: Promise.resolve(tenant) });
    return tenant;
  }

  private live<T>(map: Map<string, Entry<T>>, key: string): Promise<T> | undefined {
    const entry = map.get(key);
    if (!entry) return undefined;
    if (this.now() - entry.at < this.ttlMs) return entry.value;
    map.delete(key);
    return undefined;
  }

  /** Shares the pending read with concurrent callers; keeps the result only when `keep` says so. */
  private remember<T>(map: Map<string, Entry<T>>, key: string, read: Promise<T>, keep: (value: T) => boolean): Promise<T> {
    const entry: Entry<T> = { at: this.now(), value: read };
    this.store(map, key, entry);
    read.then(
      (value) => {
        if (!keep(value) && map.get(key) === entry) map.delete(key);
      },
      () => {
        if (map.get(key) === entry) map.delete(key);
      },
    );
    return read;
  }

  private store<T>(map: Map<string, Entry<T>>, key: string, entry: Entry<T>): void {
    map.delete(key);
    map.set(key, entry);
    // Oldest first: Map keeps insertion order.
    while (map.size > MAX_ENTRIES) map.delete(map.keys().next().value!);
  }
}
