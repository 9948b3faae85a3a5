import { RemovalPolicy } from 'aws-cdk-lib';
import { describe, expect, it } from 'vitest';
import { stageConfigFor, stageNames, stages, withContextOverrides } from '../../lib/config/stages';
import { synth } from './synth';

describe('stage selection', () => {
  it('returns the config of a known stage', () => {
    expect(stageConfigFor('prod')).toEqual({ stageName: 'prod', config: stages.prod });
  });

  it('rejects an unknown stage with the list of valid names', () => {
    expect(() => stageConfigFor('staging')).toThrow(/unknown environment "staging".*dev, prod/);
    expect(() => stageConfigFor(undefined)).toThrow(/one of dev, prod/);
  });

  it('holds every difference between dev and prod as data', () => {
    expect(stageNames).toEqual(['dev', 'prod']);
    expect(stages.dev).toMatchObject({ removalPolicy: RemovalPolicy.DESTROY, pointInTimeRecovery: false, deletionProtection: false });
    expect(stages.prod).toMatchObject({ removalPolicy: RemovalPolicy.RETAIN, pointInTimeRecovery: true, deletionProtection: true });
    expect(stages.prod.logRetention).toBeGreaterThan(stages.dev.logRetention);
    for (const name of stageNames) expect(Number.isInteger(stages[name].maintenance.rateMinutes)).toBe(true);
  });

  it('names one environment-agnostic stack per stage', () => {
    const { stack } = synth('prod');
    expect(stack.stackName).toBe('NatomaSso-prod');
    expect(stack.resolve(stack.account)).toEqual({ Ref: 'AWS::AccountId' });
    expect(stack.resolve(stack.region)).toEqual({ Ref: 'AWS::Region' });
  });
});

describe('deploy-time overrides (-c key=value)', () => {
  const context = (values: Record<string, string>) => (key: string) => values[key];

  it('leaves the stage config as it is when no override is given', () => {
    expect(withContextOverrides(stages.prod, context({}))).toEqual(stages.prod);
  });

  it('adds an alarm email and a custom domain with its hosted zone', () => {
    const config = withContextOverrides(
      stages.prod,
      context({
        alarmEmail: 'ops@example.com',
        domainName: 'sso.example.com',
        certificateArn: 'arn:aws:acm:eu-west-1:111111111111:certificate/abc',
        hostedZoneId: 'Z1',
        hostedZoneName: 'example.com',
      }),
    );
    expect(config.alarms).toEqual({ ...stages.prod.alarms, email: 'ops@example.com' });
    expect(config.customDomain).toEqual({
      domainName: 'sso.example.com',
      certificateArn: 'arn:aws:acm:eu-west-1:111111111111:certificate/abc',
      hostedZone: { hostedZoneId: 'Z1', zoneName: 'example.com' },
    });
    expect(config.removalPolicy).toBe(stages.prod.removalPolicy);
  });

  it('lists every invalid or incomplete override in one error', () => {
    expect(() => withContextOverrides(stages.dev, context({ alarmEmail: 'nobody', domainName: 'sso.example.com', hostedZoneId: 'Z1' }))).toThrow(
      /alarmEmail "nobody" is not an email address; domainName and certificateArn go together.*; hostedZoneId and hostedZoneName go together/,
    );
  });
});
