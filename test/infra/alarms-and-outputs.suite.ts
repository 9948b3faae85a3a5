import { Match } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { stages } from '../../lib/config/stages';
import { resourcesOf, synth, testIdentity } from './synth';

describe.each(['dev', 'prod'] as const)('operations (%s)', (stageName) => {
  const { template } = synth(stageName);
  const alarms = Object.values(resourcesOf(template, 'AWS::CloudWatch::Alarm'));
  const metricNames = (alarm: (typeof alarms)[number]) =>
    JSON.stringify(alarm.Properties).match(/"MetricName":"([^"]+)"/g)?.map((match) => match.slice(14, -1)) ?? [];

  it('alarms on the API 5xx rate with the stage threshold', () => {
    const rate = alarms.find((alarm) => metricNames(alarm).includes('5xx'));
    expect(metricNames(rate!)).toEqual(expect.arrayContaining(['5xx', 'Count']));
    expect(rate!.Properties).toMatchObject({ Threshold: stages[stageName].alarms.api5xxRatePercent, TreatMissingData: 'notBreaching' });
  });

  it('alarms on API stage throttling, counted from the access logs (HTTP APIs publish no 429 metric)', () => {
    template.hasResourceProperties('AWS::Logs::MetricFilter', {
      FilterPattern: '{ $.status = "429" }',
      LogGroupName: { Ref: Match.stringLikeRegexp('^PublicApiAccessLogs') },
      MetricTransformations: [Match.objectLike({ MetricName: 'ApiThrottledRequests', MetricNamespace: 'NatomaSso', MetricValue: '1' })],
    });
    const throttles = alarms.find((alarm) => alarm.Properties?.MetricName === 'ApiThrottledRequests');
    expect(throttles?.Properties).toMatchObject({ Namespace: 'NatomaSso', Threshold: 1, Dimensions: [{ Name: 'ApiId', Value: { Ref: expect.stringMatching(/^PublicApiHttpApi/) } }] });
  });

  it('alarms on errors and throttles of each surface Lambda and of the maintenance Lambda', () => {
    expect(alarms.filter((alarm) => alarm.Properties?.MetricName === 'Errors')).toHaveLength(4);
    expect(alarms.filter((alarm) => alarm.Properties?.MetricName === 'Throttles')).toHaveLength(4);
  });

  it('alarms on DynamoDB system errors and throttled requests', () => {
    expect(alarms.some((alarm) => metricNames(alarm).includes('SystemErrors'))).toBe(true);
    expect(alarms.some((alarm) => metricNames(alarm).includes('ThrottledRequests'))).toBe(true);
    for (const alarm of alarms) expect((alarm.Properties?.Metrics as unknown[] | undefined)?.length ?? 0).toBeLessThanOrEqual(11);
  });


  it('outputs what a platform engineer needs', () => {
    for (const name of ['ApiBaseUrl', 'AdminOperatorUrl', 'AdminConsoleUrl', 'TableName', 'SpCredentialSecretName', 'ScimTokenSecretPrefix']) {
      template.hasOutput(name, {});
    }
    template.hasOutput('AdminOperatorUrl', { Value: { 'Fn::GetAtt': [Match.stringLikeRegexp('^AdminHandlerFunctionUrl'), 'FunctionUrl'] } });
    template.hasOutput('AdminConsoleUrl', { Value: { 'Fn::GetAtt': [Match.stringLikeRegexp('^AdminConsoleAliasFunctionUrl'), 'FunctionUrl'] } });
    template.hasOutput('SpCredentialSecretName', { Value: `natoma-sso/${stageName}/sp-credential` });
  });
});

describe('alarm route from the stage identity', () => {
  it('creates no alarm topic in dev, which names no route', () => {
    const { template } = synth('dev');
    template.resourceCountIs('AWS::SNS::Topic', 0);
    for (const alarm of Object.values(resourcesOf(template, 'AWS::CloudWatch::Alarm'))) expect(alarm.Properties?.AlarmActions).toBeUndefined();
  });

  it('sends alarms to a new KMS-encrypted, TLS-only topic with the configured email', () => {
    const { template } = synth('prod', { identity: { ...testIdentity, alarmRoute: { email: 'ops@example.com' } } });
    template.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: Match.anyValue() });
    template.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: 'ops@example.com' });
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]) },
    });
    template.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
    for (const alarm of Object.values(resourcesOf(template, 'AWS::CloudWatch::Alarm'))) {
      expect(alarm.Properties?.AlarmActions).toEqual([{ Ref: expect.stringMatching(/^AlarmsTopic/) }]);
    }
    template.hasOutput('AlarmTopicArn', {});
  });

  it('sends alarms to an existing topic when given its ARN', () => {
    const topicArn = 'arn:aws:sns:eu-west-1:111111111111:platform-alarms';
    const { template } = synth('prod', { identity: { ...testIdentity, alarmRoute: { topicArn } } });
    template.resourceCountIs('AWS::SNS::Topic', 0);
    for (const alarm of Object.values(resourcesOf(template, 'AWS::CloudWatch::Alarm'))) {
      expect(alarm.Properties?.AlarmActions).toEqual([topicArn]);
    }
  });
});
