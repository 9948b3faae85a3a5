import { AwsSolutionsChecks } from 'cdk-nag';
import { describe, expect, it } from 'vitest';
import { acknowledgements, synth, testIdentity } from './synth';

const variants = [
  { name: 'dev', stage: 'dev' as const, overrides: {} },
  { name: 'prod (alarm email, custom domain)', stage: 'prod' as const, overrides: {} },
  {
    name: 'prod with an existing alarm topic and a hosted zone',
    stage: 'prod' as const,
    overrides: {
      identity: {
        ...testIdentity,
        alarmRoute: { topicArn: 'arn:aws:sns:eu-west-1:111111111111:platform-alarms' },
        publicDomain: { ...testIdentity.publicDomain, hostedZone: { hostedZoneId: 'Z1', zoneName: 'example.com' } },
      },
    },
  },
  {
    name: 'dev with an events webhook (generated key) and a default OIDC app',
    stage: 'dev' as const,
    overrides: { events: { iteratorAgeAlarmMinutes: 15, webhook: { url: 'https://app.example.com/natoma-events' } }, oidc: { defaultAppClientId: 'app_0123456789' } },
  },
  {
    name: 'prod with an events webhook whose key secret exists',
    stage: 'prod' as const,
    overrides: { events: { iteratorAgeAlarmMinutes: 5, webhook: { url: 'https://app.example.com/natoma-events', apiKeySecretName: 'platform/natoma-webhook-key' } } },
  },
  { name: 'prod pointed at a restored table', stage: 'prod' as const, overrides: { restoredTableName: 'natoma-sso-prod-restored', restoredTableStreamArn: 'arn:aws:dynamodb:eu-west-1:111111111111:table/natoma-sso-prod-restored/stream/2026-11-30T00:00:00.000' } },
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
