import type { Clock } from '../core/clock';
import type { TenantId } from '../core/ids';
import { matchScimToken, parseScimTokenSecret, scimTokenSecretName, type ScimTokenSecret } from '../core/provisioning/scim-tokens';
import type { SecretStore } from '../core/secrets';
import type { ScimTokenRepository, TenantRepository } from '../core/tenancy/ports';
import type { Tenant } from '../core/tenancy/tenant';
import { ForbiddenError, UnauthorizedError } from '../core/errors';
import { TENANT_ID_PATTERN } from '../core/ids';

/** How long a container trusts what it read of a tenant (token hashes, enabled flag). */
const DEFAULT_TOKEN_CACHE_TTL_MS = 30_000;
/** lastUsedAt is recorded at most this often per token (and per container). */
export const TOUCH_EVERY_SEC = 15 * 60;
const MAX_CACHED_TENANTS = 10_000;

export interface Authenticated {
  readonly tenant: Tenant;
  readonly tokenId: string;
}

interface Entry {
  readonly tenant?: Tenant;
  readonly secret: ScimTokenSecret;
  readonly expiresAt: number;
}

/**
 * Bearer-token check for `/scim/v2/{tenantId}`: the token must hash to one of that tenant's stored
 * hashes (constant-time comparison). A token of another tenant, an unknown tenant and a wrong token
 * get the same 401 (the error table adds the Bearer challenge), so nothing tells them apart. The secret and tenant are cached per container for
 * `ttlMs`: a revoked token, or a disabled tenant, keeps working at most that long on a warm container.
 */
export class ScimAuthenticator {
  private readonly cache = new Map<TenantId, Entry>();
  private readonly lastTouch = new Map<string, number>();

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
    if (!TENANT_ID_PATTERN.test(tenantIdText)) throw new UnauthorizedError('invalid token');
    const tenantId = tenantIdText as TenantId;
    const entry = await this.load(tenantId);
    const tokenId = matchScimToken(match[1]!, entry.secret);
    if (!tokenId || !entry.tenant) throw new UnauthorizedError('invalid token');
    // Only a caller holding a valid token of this tenant learns that provisioning is off.
    if (!entry.tenant.scim.enabled) throw new ForbiddenError('SCIM provisioning is disabled for this tenant: enable it in Admin > SCIM');
    await this.touch(tenantId, tokenId);
    return { tenant: entry.tenant, tokenId };
  }

  private async load(tenantId: TenantId): Promise<Entry> {
    const now = this.deps.clock.now().getTime();
    const cached = this.cache.get(tenantId);
    if (cached && cached.expiresAt > now) return cached;
    const [tenant, raw] = await Promise.all([this.deps.tenants.get(tenantId), this.deps.secrets.get(scimTokenSecretName(this.deps.secretPrefix, tenantId))]);
    let secret: ScimTokenSecret;
    try {
      secret = parseScimTokenSecret(raw);
    } catch {
      secret = { tokens: [] };
    }
    const entry: Entry = { tenant, secret, expiresAt: now + (this.deps.ttlMs ?? DEFAULT_TOKEN_CACHE_TTL_MS) };
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
