import { describe, expect, it } from 'vitest';
import { PlanRequiredError } from '../../lambdas/core/errors';
import { assertPlanAllows, planLimits, planRefusal } from '../../lambdas/core/tenancy/plan';
import type { Tenant } from '../../lambdas/core/tenancy/tenant';

const tenant = (plan: 'trial' | 'paid', saml: boolean, scim: boolean): Tenant =>
  ({ plan, sso: saml ? { active: { configId: 'c' } } : {}, scim: { enabled: scim } }) as unknown as Tenant;

describe('plan gating: a trial may have SAML sign-in or SCIM provisioning, not both', () => {
  it('lets a paid tenant do everything', () => {
    for (const change of ['activate-saml', 'enable-scim', 'saml-sign-in'] as const) expect(planRefusal(tenant('paid', true, true), change)).toBeUndefined();
    expect(planLimits(tenant('paid', true, true))).toEqual([]);
  });

  it('refuses activating SAML or signing in with it on a trial with SCIM on', () => {
    expect(planRefusal(tenant('trial', false, true), 'activate-saml')).toMatch(/paid plan/);
    expect(planRefusal(tenant('trial', true, true), 'saml-sign-in')).toMatch(/upgrade/);
    expect(() => assertPlanAllows(tenant('trial', false, true), 'activate-saml')).toThrow(PlanRequiredError);
  });

  it('refuses enabling SCIM on a trial with SAML active, but not re-enabling it', () => {
    expect(planRefusal(tenant('trial', true, false), 'enable-scim')).toMatch(/paid plan/);
    expect(planRefusal(tenant('trial', true, true), 'enable-scim')).toBeUndefined();
    expect(planRefusal(tenant('trial', false, false), 'enable-scim')).toBeUndefined();
  });

  it('tells a trial admin what is unavailable in plain words', () => {
    expect(planLimits(tenant('trial', true, false))[0]).toMatch(/Turning on SCIM/);
    expect(planLimits(tenant('trial', false, true))[0]).toMatch(/Activating SAML/);
    expect(planLimits(tenant('trial', false, false))[0]).toMatch(/one of them at a time/);
  });
});
