import type { Clock } from '../core/clock';
import type { TenantId } from '../core/ids';
import { matchScimToken, parseScimTokenSecret, scimTokenSecretName, type ScimTokenSecret } from '../core/provisioning/scim-tokens';
import type { SecretStore } from '../core/secrets';
import type { ScimTokenRepository, TenantRepository } from '../core/tenancy/ports';
import type { Tenant } from '../core/tenancy/tenant';
import { UnauthorizedError } from '../core/errors';
import { TENANT_ID_PATTERN } from '../core/ids';

/** How long a container trusts what it read of a tenant (token hashes, enabled flag). */
const DEFAULT_TOKEN_CACHE_TTL_MS = 30_000;
/** An unknown token reloads the tenant's hashes at most this often (per tenant and container). */
const RELOAD_ON_MISS_EVERY_MS = 2_000;
/** lastUsedAt is recorded at most this often per token (and per container). */
export const TOUCH_EVERY_SEC = 15 * 60;
const MAX_CACHED_TENANTS = 10_000;
/** One detail for every refusal, so nothing tells an unknown tenant, a disabled one and a wrong token apart. */
const REFUSED = 'invalid token, or SCIM provisioning is not enabled for this tenant';

export interface Authenticated {
  readonly tenant: Tenant;
  readonly tokenId: string;
}

interface Entry {
  readonly tenant?: Tenant;
  /** Read only for a tenant with SCIM on: strangers never cost a Secrets Manager call. */
  readonly secret?: ScimTokenSecret;
  readonly loadedAt: number;
}

/**
 * Bearer-token check for `/scim/v2/{tenantId}`: the token must hash to one of that tenant's stored
 * hashes (constant-time comparison). The tenant is read first, from the table; the secret only when the
 * tenant exists and has SCIM on. A wrong token, a token of another tenant, an unknown tenant and a
 * tenant with SCIM off all get the same 401 (the error table adds the Bearer challenge). What was read
 * is cached per container for `ttlMs`: a revoked token, or a disabled tenant, keeps working at most that
 * long on a warm container. A token the cache does not know reloads it (at most every 2 s per tenant),
 * so a token created a moment ago works at once (Okta's "Test API Credentials" right after generating it).
 */
export class ScimAuthenticator {
  private readonly cache = new Map<TenantId, Entry>();
  private readonly lastTouch = new Map<string, number>();
  private readonly loading = new Map<TenantId, Promise<Entry>>();

  constructor(
    private readonly deps: {
      tenants: TenantRepository;
      scimTokens: ScimTokenRepository;
      secrets: SecretStore;
      secretPrefix: string;
      clock: Clock;
      ttlMs?: number;
    },
  ) {}

  async authenticate(tenantIdText: string, authorization: string | undefined): Promise<Authenticated> {
    const match = /^Bearer[ ]+(\S+)\s*$/i.exec(authorization ?? '');
    if (!authorization) throw new UnauthorizedError('authentication required: send Authorization: Bearer <token>');
    if (!match) throw new UnauthorizedError('the Authorization header must be "Bearer <token>"');
    if (!TENANT_ID_PATTERN.test(tenantIdText)) throw new UnauthorizedError(REFUSED);
    const tenantId = tenantIdText as TenantId;
    const now = this.deps.clock.now().getTime();
    let entry = this.cache.get(tenantId);
    if (!entry || entry.loadedAt + (this.deps.ttlMs ?? DEFAULT_TOKEN_CACHE_TTL_MS) <= now) entry = await this.load(tenantId, now);
    let tokenId = matchOf(entry, match[1]!);
    if (!tokenId && now - entry.loadedAt >= RELOAD_ON_MISS_EVERY_MS) {
      entry = await this.load(tenantId, now);
      tokenId = matchOf(entry, match[1]!);
    }
    if (!tokenId || !entry.tenant) throw new UnauthorizedError(REFUSED);
    await this.touch(tenantId, tokenId);
    return { tenant: entry.tenant, tokenId };
  }

  /** Concurrent loads of one tenant (the twin, a container's first burst) share one read. */
  private load(tenantId: TenantId, now: number): Promise<Entry> {
    const pending = this.loading.get(tenantId);
    if (pending) return pending;
    const loading = this.read(tenantId, now).finally(() => this.loading.delete(tenantId));
    this.loading.set(tenantId, loading);
    return loading;
  }

  private async read(tenantId: TenantId, now: number): Promise<Entry> {
    const tenant = await this.deps.tenants.get(tenantId);
    let secret: ScimTokenSecret | undefined;
    if (tenant?.scim.enabled) {
      const raw = await this.deps.secrets.get(scimTokenSecretName(this.deps.secretPrefix, tenantId));
      try {
        secret = parseScimTokenSecret(raw);
      } catch {
        secret = { tokens: [] };
      }
    }
    const entry: Entry = { ...(tenant ? { tenant } : {}), ...(secret ? { secret } : {}), loadedAt: now };
    if (this.cache.size >= MAX_CACHED_TENANTS) this.cache.clear();
    this.cache.set(tenantId, entry);
    return entry;
  }

  private async touch(tenantId: TenantId, tokenId: string): Promise<void> {
    const key = `${tenantId}:${tokenId}`;
    const now = this.deps.clock.now();
    const last = this.lastTouch.get(key);
    if (last !== undefined && now.getTime() - last < TOUCH_EVERY_SEC * 1000) return;
    this.lastTouch.set(key, now.getTime());
    if (this.lastTouch.size > MAX_CACHED_TENANTS) this.lastTouch.clear();
    try {
      await this.deps.scimTokens.touch(tenantId, tokenId, now, TOUCH_EVERY_SEC);
    } catch {
      // Bookkeeping must not fail a provisioning request: try again on a later request.
      this.lastTouch.delete(key);
    }
  }
}

/** The id of the stored token `token` hashes to, when the tenant has SCIM on. */
const matchOf = (entry: Entry, token: string): string | undefined => (entry.tenant?.scim.enabled && entry.secret ? matchScimToken(token, entry.secret) : undefined);
