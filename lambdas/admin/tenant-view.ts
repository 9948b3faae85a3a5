import type { Tenant } from '../core/tenancy/tenant';
import { tenantUrls } from '../core/tenancy/urls';

type SsoState = 'not-configured' | 'draft' | 'active' | 'active-with-draft';

export function ssoStateOf(tenant: Tenant): SsoState {
  if (tenant.sso.active) return tenant.sso.draft ? 'active-with-draft' : 'active';
  return tenant.sso.draft ? 'draft' : 'not-configured';
}

/** A tenant as the operator API shows it: no certificates, no secrets. */
export function tenantView(tenant: Tenant, apiBaseUrl: string | undefined) {
  return {
    tenantId: tenant.id,
    name: tenant.name,
    plan: tenant.plan,
    domains: tenant.domains,
    sso: {
      state: ssoStateOf(tenant),
      activeIdpEntityId: tenant.sso.active?.entityId,
      draftIdpEntityId: tenant.sso.draft?.entityId,
      draftTest: tenant.sso.draft?.test?.status,
    },
    scim: { enabled: tenant.scim.enabled, enabledAt: tenant.scim.enabledAt },
    createdAt: tenant.createdAt,
    updatedAt: tenant.updatedAt,
    version: tenant.version,
    ...(apiBaseUrl ? { urls: tenantUrls(apiBaseUrl, tenant.id) } : {}),
  };
}
