import { AwsSolutionsChecks } from 'cdk-nag';
import { describe, expect, it } from 'vitest';
import { stages } from '../../lib/config/stages';
import { acknowledgements, synth } from './synth';

const variants = [
  { name: 'dev', stage: 'dev' as const, overrides: {} },
  { name: 'prod', stage: 'prod' as const, overrides: {} },
  {
    name: 'prod with alarm email and custom domain',
    stage: 'prod' as const,
    overrides: {
      alarms: { ...stages.prod.alarms, email: 'ops@example.com' },
      customDomain: { domainName: 'sso.example.com', certificateArn: 'arn:aws:acm:eu-west-1:111111111111:certificate/abc', hostedZone: { hostedZoneId: 'Z1', zoneName: 'example.com' } },
    },
  },
];

describe.each(variants)('cdk-nag AwsSolutions ($name)', ({ stage, overrides }) => {
  const { app, stack } = synth(stage, overrides);

  it('reports no unacknowledged error or warning', () => {
    const report = new AwsSolutionsChecks(app, { verbose: true }).validateScope(stack);
    const findings = report.violations.map((violation) => ({
      rule: violation.ruleName,
      severity: violation.severity,
      at: violation.violatingResources.map((resource) => resource.constructPath),
    }));
    expect(findings).toEqual([]);
    expect(report.success).toBe(true);
  });

  it('justifies every acknowledgement in words', () => {
    const acks = acknowledgements(app);
    expect(acks.length).toBeGreaterThan(0);
    for (const ack of acks) {
      expect(ack.id, ack.path).toMatch(/AwsSolutions-[A-Z]+\d+/);
      expect(ack.reason.length, `${ack.path} ${ack.id}`).toBeGreaterThanOrEqual(60);
      expect(ack.reason, ack.path).not.toMatch(/TODO|FIXME|^n\/a/i);
    }
  });
});
