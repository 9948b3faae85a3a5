import { PlanRequiredError } from '../errors';
import { isSamlActive, UPGRADE_REQUIRED_MESSAGE, type Tenant } from './tenant';

/**
 * The one plan rule (seed: "When using SAML as the SSO mode with provisioning, your tenant must be upgraded
 * from a free trial"): a trial may have SAML sign-in or SCIM provisioning, not both at once.
 */
export type PlanGatedChange = 'activate-saml' | 'enable-scim' | 'saml-sign-in';

/** Why the tenant's plan refuses the change, or undefined when it allows it. */
export function planRefusal(tenant: Tenant, change: PlanGatedChange): string | undefined {
  if (tenant.plan !== 'trial') return undefined;
  switch (change) {
    case 'activate-saml':
    case 'saml-sign-in':
      return tenant.scim.enabled ? UPGRADE_REQUIRED_MESSAGE : undefined;
    case 'enable-scim':
      return isSamlActive(tenant) && !tenant.scim.enabled ? UPGRADE_REQUIRED_MESSAGE : undefined;
  }
}

/** Throws PlanRequiredError (402 on the admin surfaces) when the plan refuses the change. */
export function assertPlanAllows(tenant: Tenant, change: PlanGatedChange): void {
  const refusal = planRefusal(tenant, change);
  if (refusal) throw new PlanRequiredError(refusal);
}

/** What the plan page lists as unavailable on a trial, in plain words. */
export function planLimits(tenant: Tenant): string[] {
  if (tenant.plan !== 'trial') return [];
  const saml = isSamlActive(tenant);
  const scim = tenant.scim.enabled;
  if (saml) return ['Turning on SCIM provisioning: SAML sign-in is active, and a trial cannot have both.'];
  if (scim) return ['Activating SAML (Update on the SSO page): SCIM provisioning is on, and a trial cannot have both.'];
  return ['Having SAML sign-in active together with SCIM provisioning: a trial can have one of them at a time.'];
}
