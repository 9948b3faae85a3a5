import { randomBytes, randomUUID } from 'node:crypto';
import type { ActivityLog } from '../activity/events';
import type { Clock } from '../clock';
import { InvalidInputError, NotFoundError } from '../errors';
import { newTenantId, type TenantId } from '../ids';
import type { Page } from '../paging';
import type { TenantRepository } from './ports';
import { DEFAULT_SSO_SETTINGS, isValidDomain, normaliseDomain, type Plan, type Tenant } from './tenant';

/** What the operator's tenant use cases need. */
export interface TenantAdminDeps {
  readonly tenants: TenantRepository;
  readonly activity: ActivityLog;
  readonly clock: Clock;
  /** Random bytes for tenant IDs; injectable so tests can pin IDs. */
  readonly random?: (n: number) => Uint8Array;
}

export interface NewTenant {
  readonly name: string;
  readonly domains: readonly string[];
  readonly plan?: Plan;
}

export const TENANT_NAME_MAX = 100;
export const TENANT_DOMAINS_MAX = 20;
export const TENANT_LIST_MAX = 100;

// Control characters would corrupt the console and logs; names are shown, never parsed.
const CONTROL = /[\u0000-\u001f\u007f]/;

function validName(name: string): string {
  const trimmed = name.trim();
  if (trimmed.length === 0) throw new InvalidInputError('name: must not be empty');
  if (trimmed.length > TENANT_NAME_MAX) throw new InvalidInputError(`name: at most ${TENANT_NAME_MAX} characters, got ${trimmed.length}`);
  if (CONTROL.test(trimmed)) throw new InvalidInputError('name: must not contain control characters');
  return trimmed;
}

function validDomains(domains: readonly string[]): string[] {
  if (domains.length === 0) throw new InvalidInputError('domains: at least one email domain is needed (e.g. example.com)');
  if (domains.length > TENANT_DOMAINS_MAX) throw new InvalidInputError(`domains: at most ${TENANT_DOMAINS_MAX}, got ${domains.length}`);
  const out: string[] = [];
  for (const raw of domains) {
    const domain = normaliseDomain(raw);
    if (!isValidDomain(domain)) throw new InvalidInputError(`domains: "${raw}" is not a domain name (expected something like example.com)`);
    if (out.includes(domain)) throw new InvalidInputError(`domains: "${domain}" is listed twice`);
    out.push(domain);
  }
  return out;
}

/** Creates a tenant; ConflictError (from the repository) when one of its domains belongs to another tenant. */
export async function createTenant(deps: TenantAdminDeps, input: NewTenant, actor = 'operator'): Promise<Tenant> {
  const name = validName(input.name);
  const domains = validDomains(input.domains);
  const now = deps.clock.now().toISOString();
  const tenant: Tenant = {
    id: newTenantId(deps.random ?? ((n) => randomBytes(n))),
    name,
    plan: input.plan ?? 'trial',
    domains,
    sso: DEFAULT_SSO_SETTINGS,
    scim: { enabled: false },
    createdAt: now,
    updatedAt: now,
    version: 1,
  };
  await deps.tenants.create(tenant);
  await deps.activity.record({
    tenantId: tenant.id,
    id: randomUUID(),
    at: now,
    category: 'admin',
    type: 'tenant.created',
    actor,
    summary: `Tenant "${name}" created on the ${tenant.plan} plan with ${domains.join(', ')}`,
  });
  return tenant;
}

export async function getTenant(tenants: TenantRepository, tenantId: TenantId): Promise<Tenant> {
  const tenant = await tenants.get(tenantId);
  if (!tenant) throw new NotFoundError(`tenant ${tenantId} does not exist`);
  return tenant;
}

export async function listTenants(tenants: TenantRepository, request: { limit?: number; cursor?: string }): Promise<Page<Tenant>> {
  const limit = request.limit ?? 50;
  if (!Number.isInteger(limit) || limit < 1 || limit > TENANT_LIST_MAX) throw new InvalidInputError(`limit: between 1 and ${TENANT_LIST_MAX}, got ${limit}`);
  return tenants.list({ limit, cursor: request.cursor });
}

/** Moves a tenant to the paid plan; upgrading a paid tenant changes nothing. */
export async function upgradePlan(deps: TenantAdminDeps, tenantId: TenantId, actor = 'operator'): Promise<Tenant> {
  const tenant = await getTenant(deps.tenants, tenantId);
  if (tenant.plan === 'paid') return tenant;
  const now = deps.clock.now().toISOString();
  const upgraded: Tenant = { ...tenant, plan: 'paid', updatedAt: now, version: tenant.version + 1 };
  await deps.tenants.replace(upgraded, tenant.version);
  await deps.activity.record({
    tenantId,
    id: randomUUID(),
    at: now,
    category: 'admin',
    type: 'tenant.upgraded',
    actor,
    summary: 'Plan upgraded from trial to paid',
  });
  return upgraded;
}
