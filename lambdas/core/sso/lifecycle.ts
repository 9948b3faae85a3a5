import { randomUUID } from 'node:crypto';
import type { ActivityLog } from '../activity/events';
import type { Clock } from '../clock';
import { PreconditionFailedError } from '../errors';
import type { TenantId } from '../ids';
import type { TenantRepository } from '../tenancy/ports';
import type { SamlTestOutcome, SsoSettings, Tenant } from '../tenancy/tenant';
import { getTenant } from '../tenancy/tenant-admin';

/** What every step of the SSO configuration lifecycle reads and writes. */
export interface SsoStore {
  readonly tenants: TenantRepository;
  readonly activity: ActivityLog;
  readonly clock: Clock;
}

/** Read-modify-write of a tenant's SSO settings with optimistic concurrency, retried on a concurrent change. `undefined` = no write. */
export async function changeSso(store: SsoStore, tenantId: TenantId, change: (sso: SsoSettings, tenant: Tenant) => SsoSettings | undefined): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    const tenant = await getTenant(store.tenants, tenantId);
    const sso = change(tenant.sso, tenant);
    if (!sso) return;
    try {
      await store.tenants.replace({ ...tenant, sso: stripUndefined(sso), updatedAt: store.clock.now().toISOString(), version: tenant.version + 1 }, tenant.version);
      return;
    } catch (error) {
      if (!(error instanceof PreconditionFailedError) || attempt >= 2) throw error;
    }
  }
}

export async function recordSsoActivity(store: SsoStore, tenantId: TenantId, type: string, actor: string, summary: string): Promise<void> {
  await store.activity.record({ tenantId, id: randomUUID(), at: store.clock.now().toISOString(), category: 'admin', type, actor, summary });
}

/** Stores a Test SAML outcome on the draft, only if the draft is still the configuration that was tested. */
export async function recordTestOutcome(store: SsoStore, tenantId: TenantId, configId: string, outcome: SamlTestOutcome, actor = 'idp'): Promise<boolean> {
  let stored = false;
  await changeSso(store, tenantId, (sso) => {
    stored = sso.draft?.configId === configId;
    return stored ? { ...sso, draft: { ...sso.draft!, test: outcome } } : undefined;
  });
  if (stored) {
    const summary = outcome.status === 'passed' ? 'Test SAML passed for the draft configuration' : `Test SAML failed: ${outcome.problems.map((p) => p.message).join('; ')}`.slice(0, 500);
    await recordSsoActivity(store, tenantId, outcome.status === 'passed' ? 'sso.test.passed' : 'sso.test.failed', actor, summary);
  }
  return stored;
}

function stripUndefined(sso: SsoSettings): SsoSettings {
  return Object.fromEntries(Object.entries(sso).filter(([, value]) => value !== undefined)) as unknown as SsoSettings;
}
