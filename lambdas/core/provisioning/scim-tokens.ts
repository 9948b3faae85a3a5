import { createHash, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import { actingAs } from '../events/change-context';
import type { ActivityLog } from '../activity/events';
import type { Clock } from '../clock';
import { ConflictError, NotFoundError } from '../errors';
import type { TenantId } from '../ids';
import type { SecretStore } from '../secrets';
import type { ScimTokenRecord, ScimTokenRepository, TenantRepository } from '../tenancy/ports';
import { assertPlanAllows } from '../tenancy/plan';
import type { Tenant } from '../tenancy/tenant';
import { sha256Hex } from '../digest';

/** Recognisable in logs, secret scanners and support tickets. */
export const SCIM_TOKEN_PREFIX = 'natoma_scim_';
/** Two tokens let an admin rotate without downtime: create the new one, switch Okta, revoke the old one. */
export const MAX_ACTIVE_SCIM_TOKENS = 2;
const TOKEN_SHAPE = /^natoma_scim_[A-Za-z0-9_-]{43}$/;

/** What the SCIM token secret of a tenant holds: hashes only. */
export interface ScimTokenSecret {
  readonly tokens: { readonly tokenId: string; readonly sha256: string }[];
}

export interface ScimTokenDeps {
  readonly tenants: TenantRepository;
  readonly scimTokens: ScimTokenRepository;
  readonly secrets: SecretStore;
  readonly activity: ActivityLog;
  readonly clock: Clock;
  /** `SCIM_TOKEN_SECRET_PREFIX`: the secret of a tenant is `${secretPrefix}${tenantId}`. */
  readonly secretPrefix: string;
  readonly random?: (n: number) => Uint8Array;
}

export interface CreatedScimToken {
  /** Shown exactly once; never stored. */
  readonly token: string;
  readonly tokenId: string;
  readonly hint: string;
  readonly createdAt: string;
}

export const scimTokenSecretName = (prefix: string, tenantId: TenantId): string => `${prefix}${tenantId}`;

export function parseScimTokenSecret(raw: string | undefined): ScimTokenSecret {
  if (!raw) return { tokens: [] };
  const parsed = JSON.parse(raw) as Partial<ScimTokenSecret>;
  const tokens = Array.isArray(parsed.tokens) ? parsed.tokens.filter((t) => typeof t?.tokenId === 'string' && /^[0-9a-f]{64}$/.test(String(t?.sha256))) : [];
  return { tokens };
}

/**
 * The tokenId whose hash matches `presented`, compared in constant time against every stored hash
 * (no early exit, so timing does not tell which or how many hashes exist).
 */
export function matchScimToken(presented: string, secret: ScimTokenSecret): string | undefined {
  if (!TOKEN_SHAPE.test(presented)) return undefined;
  const digest = createHash('sha256').update(presented, 'utf8').digest();
  let found: string | undefined;
  for (const entry of secret.tokens) {
    const stored = Buffer.from(entry.sha256, 'hex');
    if (stored.length === digest.length && timingSafeEqual(stored, digest) && found === undefined) found = entry.tokenId;
  }
  return found;
}

async function tenantOrThrow(tenants: TenantRepository, tenantId: TenantId): Promise<Tenant> {
  const tenant = await tenants.get(tenantId);
  if (!tenant) throw new NotFoundError(`tenant ${tenantId} does not exist`);
  return tenant;
}

async function record(deps: ScimTokenDeps, tenantId: TenantId, type: string, actor: string, summary: string, target?: string): Promise<void> {
  await deps.activity.record({ tenantId, id: randomUUID(), at: deps.clock.now().toISOString(), category: 'admin', type, actor, summary, ...(target ? { target } : {}) });
}

/** Turns SCIM provisioning on. A trial tenant with active SAML must upgrade first (PlanRequiredError). */
export async function enableScim(deps: ScimTokenDeps, tenantId: TenantId, actor = 'operator'): Promise<Tenant> {
  const tenant = await tenantOrThrow(deps.tenants, tenantId);
  if (tenant.scim.enabled) return tenant;
  assertPlanAllows(tenant, 'enable-scim');
  const now = deps.clock.now().toISOString();
  const updated: Tenant = { ...tenant, scim: { enabled: true, enabledAt: now }, updatedAt: now, version: tenant.version + 1 };
  await deps.tenants.replace(updated, tenant.version);
  await record(deps, tenantId, 'scim.enabled', actor, 'SCIM provisioning enabled');
  return updated;
}

/** Turns SCIM provisioning off: every request then gets 403. Tokens are kept, so re-enabling needs no Okta change. */
export async function disableScim(deps: ScimTokenDeps, tenantId: TenantId, actor = 'operator'): Promise<Tenant> {
  const tenant = await tenantOrThrow(deps.tenants, tenantId);
  if (!tenant.scim.enabled) return tenant;
  const now = deps.clock.now().toISOString();
  const updated: Tenant = { ...tenant, scim: { enabled: false }, updatedAt: now, version: tenant.version + 1 };
  await deps.tenants.replace(updated, tenant.version);
  await record(deps, tenantId, 'scim.disabled', actor, 'SCIM provisioning disabled');
  return updated;
}

/**
 * A new bearer token: 256 random bits after a recognisable prefix, returned once. Only its SHA-256
 * is stored (secret store); the hint and dates go to the table. ConflictError when two are active.
 */
export async function createScimToken(deps: ScimTokenDeps, tenantId: TenantId, actor = 'operator'): Promise<CreatedScimToken> {
  await tenantOrThrow(deps.tenants, tenantId);
  const name = scimTokenSecretName(deps.secretPrefix, tenantId);
  const secret = parseScimTokenSecret(await deps.secrets.get(name));
  if (secret.tokens.length >= MAX_ACTIVE_SCIM_TOKENS) {
    throw new ConflictError(
      `this tenant already has ${MAX_ACTIVE_SCIM_TOKENS} active SCIM tokens (${secret.tokens.map((t) => t.tokenId).join(', ')}): revoke one before creating another`,
    );
  }
  const random = deps.random ?? ((n: number) => randomBytes(n));
  const token = SCIM_TOKEN_PREFIX + Buffer.from(random(32)).toString('base64url');
  const tokenId = `tok_${Buffer.from(random(8)).toString('hex')}`;
  const hint = `${token.slice(0, SCIM_TOKEN_PREFIX.length + 4)}…`;
  const createdAt = deps.clock.now().toISOString();
  const next: ScimTokenSecret = { tokens: [...secret.tokens, { tokenId, sha256: sha256Hex(token) }] };
  await deps.secrets.put(name, JSON.stringify(next));
  try {
    await actingAs({ actor }, () => deps.scimTokens.put({ tenantId, tokenId, hint, createdAt }));
  } catch (error) {
    // Without its metadata the token could not be listed or revoked from the console: take it back.
    await deps.secrets.put(name, JSON.stringify(secret));
    throw error;
  }
  await record(deps, tenantId, 'scim.token.created', actor, `SCIM token ${hint} created`, `scim-token:${tokenId}`);
  return { token, tokenId, hint, createdAt };
}

export async function listScimTokens(deps: Pick<ScimTokenDeps, 'scimTokens'>, tenantId: TenantId): Promise<ScimTokenRecord[]> {
  return deps.scimTokens.list(tenantId);
}

/** Removes the token's hash (it stops working within the SCIM Lambda's cache time) and its metadata. */
export async function revokeScimToken(deps: ScimTokenDeps, tenantId: TenantId, tokenId: string, actor = 'operator'): Promise<void> {
  const name = scimTokenSecretName(deps.secretPrefix, tenantId);
  const secret = parseScimTokenSecret(await deps.secrets.get(name));
  const records = await deps.scimTokens.list(tenantId);
  const inSecret = secret.tokens.some((t) => t.tokenId === tokenId);
  const meta = records.find((r) => r.tokenId === tokenId);
  if (!inSecret && !meta) throw new NotFoundError(`SCIM token ${tokenId} does not exist for tenant ${tenantId}`);
  if (inSecret) await deps.secrets.put(name, JSON.stringify({ tokens: secret.tokens.filter((t) => t.tokenId !== tokenId) }));
  if (meta) await actingAs({ actor }, () => deps.scimTokens.delete(tenantId, tokenId));
  await record(deps, tenantId, 'scim.token.revoked', actor, `SCIM token ${meta?.hint ?? tokenId} revoked`, `scim-token:${tokenId}`);
}
