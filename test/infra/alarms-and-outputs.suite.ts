import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Match } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { stages } from '../../lib/config/stages';
import { countedLogLines } from '../../lib/constructs/operations-alarms';
import { functionId, resourcesOf, synth, testConfig, testIdentity } from './synth';

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

  it('alarms on errors and throttles of each surface Lambda, the maintenance Lambda, the event forwarder and the back-channel logout Lambda', () => {
    // SAML, SCIM, admin, OIDC, maintenance, back-channel logout, event forwarder.
    expect(alarms.filter((alarm) => alarm.Properties?.MetricName === 'Errors')).toHaveLength(7);
    expect(alarms.filter((alarm) => alarm.Properties?.MetricName === 'Throttles')).toHaveLength(7);
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
  // Every alarm is routed: the loop below each test must not pass over an empty template.
  const alarmsOf = (template: ReturnType<typeof synth>['template']) => {
    const alarms = Object.values(resourcesOf(template, 'AWS::CloudWatch::Alarm'));
    expect(alarms.length).toBeGreaterThan(20);
    return alarms;
  };

  it('creates no alarm topic in dev, which names no route', () => {
    const { template } = synth('dev');
    template.resourceCountIs('AWS::SNS::Topic', 0);
    for (const alarm of alarmsOf(template)) expect(alarm.Properties?.AlarmActions).toBeUndefined();
  });

  it('sends alarms to a new KMS-encrypted, TLS-only topic with the configured email', () => {
    const { template } = synth('prod', { identity: { ...testIdentity, alarmRoute: { email: 'ops@example.com' } } });
    template.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: Match.anyValue() });
    template.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: 'ops@example.com' });
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]) },
    });
    template.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
    for (const alarm of alarmsOf(template)) {
      expect(alarm.Properties?.AlarmActions).toEqual([{ Ref: expect.stringMatching(/^AlarmsTopic/) }]);
    }
    template.hasOutput('AlarmTopicArn', {});
  });

  it('sends alarms to an existing topic when given its ARN', () => {
    const topicArn = 'arn:aws:sns:eu-west-1:111111111111:platform-alarms';
    const { template } = synth('prod', { identity: { ...testIdentity, alarmRoute: { topicArn } } });
    template.resourceCountIs('AWS::SNS::Topic', 0);
    for (const alarm of alarmsOf(template)) {
      expect(alarm.Properties?.AlarmActions).toEqual([topicArn]);
    }
  });
});

describe.each(['dev', 'prod'] as const)('alarms that foresee an outage (%s)', (stageName) => {
  const { template } = synth(stageName);
  const config = testConfig(stageName);
  const alarms = Object.values(resourcesOf(template, 'AWS::CloudWatch::Alarm'));

  it.each([
    { surface: /^natoma-sso SAML SP/, timeoutMs: 10_000 },
    { surface: /SCIM 2\.0 server/, timeoutMs: 29_000 },
    { surface: /natoma-sso admin/, timeoutMs: 30_000 },
  ])('alarms when p99 latency of $surface passes 80% of its timeout', ({ surface, timeoutMs }) => {
    const fnId = functionId(template, surface);
    const latency = alarms.filter((alarm) => alarm.Properties?.MetricName === 'Duration' && JSON.stringify(alarm.Properties?.Dimensions).includes(fnId));
    expect(latency).toHaveLength(1);
    expect(latency[0]!.Properties).toMatchObject({ ExtendedStatistic: 'p99', Threshold: timeoutMs * 0.8, ComparisonOperator: 'GreaterThanThreshold' });
  });

  it('counts refused SAML responses from the SAML logs and alarms on a spike', () => {
    template.hasResourceProperties('AWS::Logs::MetricFilter', {
      FilterPattern: `{ $.message = "${countedLogLines.samlRefused}" }`,
      LogGroupName: { Ref: Match.stringLikeRegexp('^SamlHandlerLogs') },
      MetricTransformations: [Match.objectLike({ MetricName: 'SamlResponsesRefused', MetricNamespace: 'NatomaSso' })],
    });
    const spike = alarms.find((alarm) => alarm.Properties?.MetricName === 'SamlResponsesRefused');
    expect(spike?.Properties).toMatchObject({ Threshold: config.alarms.samlRefusalsPer5Min, Period: 300, Statistic: 'Sum' });
  });

  it('alarms when every maintenance run for hours leaves purges pending', () => {
    template.hasResourceProperties('AWS::Logs::MetricFilter', {
      FilterPattern: `{ ($.message = "${countedLogLines.purgeRun}") && ($.morePending IS TRUE) }`,
      LogGroupName: { Ref: Match.stringLikeRegexp('^MaintenanceHandlerLogs') },
    });
    const backlog = alarms.find((alarm) => alarm.Properties?.MetricName === 'MaintenanceRunsLeavingBacklog');
    expect(backlog?.Properties).toMatchObject({
      Period: 3600,
      Threshold: 60 / config.maintenance.rateMinutes,
      EvaluationPeriods: config.alarms.maintenanceBacklogHours,
    });
  });

  it('alarms on account-wide Lambda concurrency at the stage threshold', () => {
    const concurrency = alarms.find((alarm) => alarm.Properties?.MetricName === 'ConcurrentExecutions');
    expect(concurrency?.Properties).toMatchObject({ Namespace: 'AWS/Lambda', Statistic: 'Maximum', Threshold: config.alarms.accountConcurrency });
    expect(concurrency?.Properties?.Dimensions).toBeUndefined();
  });

  it('has a dashboard with every alarm and the surfaces', () => {
    template.resourceCountIs('AWS::CloudWatch::Dashboard', 1);
    const body = JSON.stringify(Object.values(resourcesOf(template, 'AWS::CloudWatch::Dashboard'))[0]!.Properties?.DashboardBody);
    for (const title of ['Alarms', 'Public API requests and errors', 'Lambda errors and throttles', 'Counted from logs', 'Account Lambda concurrency']) expect(body).toContain(title);
    for (const metric of ['SamlResponsesRefused', 'MaintenanceRunsLeavingBacklog', 'ApiThrottledRequests']) expect(body).toContain(metric);
    // The Lambdas' EMF business metrics (lambdas/http/metrics.ts), by the dimensions they are emitted with.
    for (const title of ['Sign-ins by result', 'Sign-ins refused, by code', 'SCIM operations by resource, operation and status', 'Requests by surface and status class']) expect(body).toContain(title);
    expect(body).toMatch(/\{NatomaSso,Result,Code\} MetricName=\\*"SignIns/);
    template.hasOutput('DashboardName', {});
  });
});

describe('log lines the alarms count', () => {
  // Every source file of a Lambda, wherever in its folder the line is written.
  const sourceOf = (folder: string) =>
    readdirSync(new URL(`../../lambdas/${folder}/`, import.meta.url), { recursive: true, withFileTypes: true })
      .filter((entry) => entry.isFile() && entry.name.endsWith('.ts'))
      .map((entry) => readFileSync(join(entry.parentPath, entry.name), 'utf8'))
      .join('\n');

  it('are still written by the Lambdas (a renamed message would silence an alarm)', () => {
    expect(sourceOf('saml')).toContain(`'${countedLogLines.samlRefused}'`);
    expect(sourceOf('maintenance')).toContain(`'${countedLogLines.purgeRun}'`);
    expect(sourceOf('maintenance')).toContain('morePending');
  });
});
