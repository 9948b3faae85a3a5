import { RemovalPolicy } from 'aws-cdk-lib';
import { describe, expect, it } from 'vitest';
import { stageConfigFor, stageNames, stages } from '../../lib/config/stages';
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
  });

  it('names one environment-agnostic stack per stage', () => {
    const { stack } = synth('prod');
    expect(stack.stackName).toBe('NatomaSso-prod');
    expect(stack.resolve(stack.account)).toEqual({ Ref: 'AWS::AccountId' });
    expect(stack.resolve(stack.region)).toEqual({ Ref: 'AWS::Region' });
  });
});
