import { App, RemovalPolicy } from 'aws-cdk-lib';
import { describe, expect, it } from 'vitest';
import { retiredContextProblem, stageConfigFor, stageConfigProblems, stageNames, stages, type StageConfig } from '../../lib/config/stages';
import { NatomaSsoStack } from '../../lib/stacks/natoma-sso-stack';
import { synth, testConfig, testIdentity } from './synth';

const build = (config: StageConfig) => () => new NatomaSsoStack(new App({ context: { 'aws:cdk:bundling-stacks': [] } }), 'NatomaSso-prod', { stageName: 'prod', config });

describe('stage selection', () => {
  it('returns the committed config of a known stage', () => {
    expect(stageConfigFor('prod')).toEqual({ stageName: 'prod', config: stages.prod });
  });

  it('rejects an unknown stage with the list of valid names', () => {
    expect(() => stageConfigFor('staging')).toThrow(/unknown environment "staging".*dev, prod/);
    expect(() => stageConfigFor(undefined)).toThrow(/one of dev, prod/);
  });

  it('holds every difference between dev and prod as data', () => {
    expect(stageNames).toEqual(['dev', 'prod']);
    expect(stages.dev).toMatchObject({ removalPolicy: RemovalPolicy.DESTROY, pointInTimeRecovery: false, deletionProtection: false, terminationProtection: false, required: [] });
    expect(stages.prod).toMatchObject({ removalPolicy: RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE, pointInTimeRecovery: true, deletionProtection: true, terminationProtection: true });
    expect([...stages.prod.required].sort()).toEqual(['account', 'alarmRoute', 'publicDomain', 'region']);
    expect(stages.prod.logRetention).toBeGreaterThan(stages.dev.logRetention);
    for (const name of stageNames) expect(Number.isInteger(stages[name].maintenance.rateMinutes)).toBe(true);
  });
});

describe('stage identity as committed data', () => {
  it('refuses to synth prod without its identity, naming every missing setting', () => {
    expect(() => build({ ...stages.prod, identity: {} })()).toThrow(
      /stage "prod" cannot be synthesized; edit its entry in lib\/config\/stages\.ts:\n  - missing identity\.account.*\n  - missing identity\.region.*\n  - missing identity\.publicDomain.*\n  - missing identity\.alarmRoute/,
    );
  });

  it('names only what is missing', () => {
    const { alarmRoute: _alarmRoute, ...withoutRoute } = testIdentity;
    expect(stageConfigProblems(testConfig('prod', { identity: withoutRoute }))).toEqual(['missing identity.alarmRoute (email or topicArn)']);
    expect(stageConfigProblems(testConfig('prod', { identity: { ...testIdentity, alarmRoute: {} } }))).toEqual(['missing identity.alarmRoute (email or topicArn)']);
  });

  it('rejects malformed values and a certificate from another region', () => {
    const problems = stageConfigProblems(
      testConfig('prod', {
        identity: {
          account: '1234',
          region: 'eu-west-1',
          publicDomain: { domainName: 'SSO.Example.com', certificateArn: 'arn:aws:acm:us-east-1:111111111111:certificate/x' },
          alarmRoute: { email: 'nobody' },
        },
      }),
    );
    expect(problems).toEqual([
      'identity.account "1234" is not a 12-digit account ID',
      'identity.publicDomain.domainName "SSO.Example.com" is not a lower-case DNS name',
      "identity.publicDomain.certificateArn is in us-east-1, but the API's regional domain needs a certificate in eu-west-1",
      'identity.alarmRoute.email "nobody" is not an email address',
    ]);
  });

  it('lets dev deploy with no identity at all', () => {
    expect(stageConfigProblems(stages.dev)).toEqual([]);
  });

  it('pins prod to its account and region and protects it from deletion', () => {
    const { stack } = synth('prod');
    expect(stack.stackName).toBe('NatomaSso-prod');
    expect(stack.account).toBe(testIdentity.account);
    expect(stack.region).toBe(testIdentity.region);
    expect(stack.terminationProtection).toBe(true);
  });

  it('leaves dev environment-agnostic and unprotected', () => {
    const { stack } = synth('dev');
    expect(stack.resolve(stack.account)).toEqual({ Ref: 'AWS::AccountId' });
    expect(stack.resolve(stack.region)).toEqual({ Ref: 'AWS::Region' });
    expect(stack.terminationProtection).toBe(false);
  });
});

describe('deploy-time flags', () => {
  const context = (values: Record<string, string>) => (key: string) => values[key];

  it('accepts a deploy that only picks the stage', () => {
    expect(retiredContextProblem(context({ env: 'prod' }))).toBeUndefined();
  });

  it('refuses flags that used to move the domain or the alarm route, naming each', () => {
    const problem = retiredContextProblem(context({ env: 'prod', domainName: 'other.example.com', alarmEmail: 'x@example.com' }));
    expect(problem).toMatch(/^-c alarmEmail, -c domainName no longer change a stage: .* lib\/config\/stages\.ts/);
  });
});
