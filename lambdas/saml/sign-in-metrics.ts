import type { TenantId } from '../core/ids';
import { emitMetrics, type MetricsWriter } from '../http/metrics';
import type { AcsOutcome } from './flows/shared';

/** A refusal code is ours (SamlLoginError), but only a plain slug becomes a dimension value. */
const codeDimension = (code: string): string => (/^[a-z][a-z0-9-]{0,39}$/.test(code) ? code : 'other');

/**
 * `SignIns` by result, where the ACS decides: `succeeded` (a session, or an admin's console link) by
 * flow, `refused` by refusal code. Test SAML runs are counted as `SamlTests`, not as sign-ins.
 * The tenant ID rides along as a property (Logs Insights), not a dimension (metrics.ts says why).
 */
export function recordAcsOutcome(writer: MetricsWriter, tenantId: TenantId, outcome: AcsOutcome, correlationId: string): void {
  if (outcome.kind === 'test') {
    emitMetrics(writer, [{ name: 'SamlTests', dimensions: { Result: outcome.outcome.status } }], { tenantId, correlationId });
    return;
  }
  const flow = outcome.kind === 'admin-link' ? 'admin-console' : 'user';
  emitMetrics(writer, [{ name: 'SignIns', dimensions: { Result: 'succeeded', Flow: flow }, dimensionSets: [['Result'], ['Result', 'Flow']] }], { tenantId, correlationId });
}

export function recordRefusal(writer: MetricsWriter, tenantId: TenantId, code: string, correlationId: string): void {
  emitMetrics(writer, [{ name: 'SignIns', dimensions: { Result: 'refused', Code: codeDimension(code) }, dimensionSets: [['Result'], ['Result', 'Code']] }], { tenantId, correlationId });
}
