import { Match } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import type { StageConfig } from '../../lib/config/stages';
import { FORWARDER_STREAM_SETTINGS } from '../../lib/constructs/directory-events';
import { ITEM_ACTIONS } from '../../lib/constructs/identity-table';
import { actionsOf, functionId, resourcesOf, roleStatements, synth, testConfig, type Statement } from './synth';

const FORWARDER = /^natoma-sso events: forwards/;
const OIDC = /^natoma-sso OIDC provider/;
const BACKCHANNEL = /^natoma-sso OIDC back-channel logout/;
const OIDC_KEY_PROVISIONER = /generates the OIDC signing key/;

const idOf = (resources: Record<string, unknown>, pattern: RegExp): string => {
  const ids = Object.keys(resources).filter((id) => pattern.test(id));
  if (ids.length !== 1) throw new Error(`expected one resource matching ${pattern}, found ${ids.join(', ') || 'none'}`);
  return ids[0]!;
};
const variablesOf = (template: ReturnType<typeof synth>['template'], fnId: string) =>
  (resourcesOf(template, 'AWS::Lambda::Function')[fnId]!.Properties!.Environment as { Variables: Record<string, unknown> }).Variables;
const alarmsOn = (template: ReturnType<typeof synth>['template'], metricName: string) =>
  Object.values(resourcesOf(template, 'AWS::CloudWatch::Alarm')).filter((alarm) => alarm.Properties?.MetricName === metricName);

describe.each(['dev', 'prod'] as const)('directory events (%s)', (stageName) => {
  const { template } = synth(stageName);
  const config = testConfig(stageName);
  const busId = idOf(resourcesOf(template, 'AWS::Events::EventBus'), /^EventsBus/);
  const forwarderId = functionId(template, FORWARDER);
  const queues = resourcesOf(template, 'AWS::SQS::Queue');
  const dlqId = idOf(queues, /^EventsForwarderDlq/);
  const forwarder = roleStatements(template, forwarderId);

  it('creates one EventBridge bus for the stage', () => {
    template.resourceCountIs('AWS::Events::EventBus', 1);
    template.hasResourceProperties('AWS::Events::EventBus', { Name: `natoma-sso-${stageName}-directory` });
    template.hasOutput('EventBusName', { Value: { Ref: busId } });
  });

  it('tells the forwarder its bus by EVENT_BUS_NAME', () => {
    expect(variablesOf(template, forwarderId)).toMatchObject({ EVENT_BUS_NAME: { Ref: busId }, RUNTIME_MODE: 'deployed' });
  });

  it('feeds the forwarder from the table stream: oldest record first, bisecting, partial batch failures, bounded retries, DLQ', () => {
    template.resourceCountIs('AWS::Lambda::EventSourceMapping', 1);
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      FunctionName: { Ref: forwarderId },
      EventSourceArn: { 'Fn::GetAtt': ['IdentityTableE9A3D52B', 'StreamArn'] },
      StartingPosition: 'TRIM_HORIZON',
      BatchSize: FORWARDER_STREAM_SETTINGS.batchSize,
      BisectBatchOnFunctionError: true,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      MaximumRetryAttempts: FORWARDER_STREAM_SETTINGS.retryAttempts,
      // Given up on while the stream (24 h) still holds the records, so they can be replayed.
      MaximumRecordAgeInSeconds: Match.anyValue(),
      ParallelizationFactor: 1,
      DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [dlqId, 'Arn'] } } },
      FilterCriteria: { Filters: [{ Pattern: JSON.stringify({ eventName: ['INSERT'] }) }] },
    });
    const mapping = Object.values(resourcesOf(template, 'AWS::Lambda::EventSourceMapping'))[0]!;
    expect(mapping.Properties!.MaximumRecordAgeInSeconds).toBeLessThanOrEqual(12 * 3600);
  });

  it('keeps the forwarder DLQ encrypted and TLS-only', () => {
    expect(queues[dlqId]!.Properties).toMatchObject({ SqsManagedSseEnabled: true, MessageRetentionPeriod: 14 * 24 * 3600 });
    template.hasResourceProperties('AWS::SQS::QueuePolicy', {
      Queues: [{ Ref: dlqId }],
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]) },
    });
  });

  it('alarms on the forwarder DLQ depth and on its iterator age', () => {
    const depth = alarmsOn(template, 'ApproximateNumberOfMessagesVisible').filter((alarm) => JSON.stringify(alarm.Properties).includes(dlqId));
    expect(depth).toHaveLength(1);
    expect(depth[0]!.Properties).toMatchObject({ Threshold: 1, ComparisonOperator: 'GreaterThanOrEqualToThreshold', Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [dlqId, 'QueueName'] } }] });
    const age = alarmsOn(template, 'IteratorAge');
    expect(age).toHaveLength(1);
    expect(age[0]!.Properties).toMatchObject({
      Statistic: 'Maximum',
      Threshold: config.events.iteratorAgeAlarmMinutes * 60_000,
      Dimensions: [{ Name: 'FunctionName', Value: { Ref: forwarderId } }],
    });
    expect(config.events.iteratorAgeAlarmMinutes * 60).toBeLessThan(FORWARDER_STREAM_SETTINGS.maxRecordAge.toSeconds());
  });

  it('lets the forwarder put events on its bus, read the stream and write its DLQ, nothing else', () => {
    const put = forwarder.filter((statement) => actionsOf([statement]).includes('events:PutEvents'));
    expect(put).toEqual([expect.objectContaining({ Action: 'events:PutEvents', Resource: { 'Fn::GetAtt': [busId, 'Arn'] } })]);
    const streamRead = forwarder.filter((statement) => actionsOf([statement]).includes('dynamodb:GetRecords'));
    expect(streamRead).toHaveLength(1);
    expect(streamRead[0]!.Resource).toEqual({ 'Fn::GetAtt': ['IdentityTableE9A3D52B', 'StreamArn'] });
    expect(actionsOf(forwarder).filter((action) => action.startsWith('dynamodb:')).sort()).toEqual([
      'dynamodb:DescribeStream',
      'dynamodb:GetRecords',
      'dynamodb:GetShardIterator',
      'dynamodb:ListStreams',
    ]);
    for (const statement of forwarder.filter((candidate) => candidate.Resource === '*')) {
      expect(actionsOf([statement]).every((action) => action === 'dynamodb:ListStreams' || action.startsWith('xray:'))).toBe(true);
    }
    const sqs = forwarder.filter((statement) => actionsOf([statement]).some((action) => action.startsWith('sqs:')));
    expect(sqs.map((statement) => statement.Resource)).toEqual([{ 'Fn::GetAtt': [dlqId, 'Arn'] }]);
    expect(actionsOf(forwarder).some((action) => action.startsWith('secretsmanager:') || action.startsWith('events:') && action !== 'events:PutEvents')).toBe(false);
  });

  it('delivers to no webhook unless the stage names one', () => {
    template.resourceCountIs('AWS::Events::Connection', 0);
    template.resourceCountIs('AWS::Events::ApiDestination', 0);
  });
});

describe.each(['dev', 'prod'] as const)('OpenID Connect provider (%s)', (stageName) => {
  const { template } = synth(stageName);
  const secrets = resourcesOf(template, 'AWS::SecretsManager::Secret');
  const keyId = idOf(secrets, /^OidcSigningKeySecret/);
  const oidcId = functionId(template, OIDC);
  const backchannelId = functionId(template, BACKCHANNEL);
  const busId = idOf(resourcesOf(template, 'AWS::Events::EventBus'), /^EventsBus/);
  const backchannelDlqId = idOf(resourcesOf(template, 'AWS::SQS::Queue'), /^OidcBackchannelDlq/);

  it('outputs the issuer and the signing-key secret name, never its value', () => {
    template.hasOutput('OidcIssuer', {});
    template.hasOutput('OidcSigningKeySecretName', { Value: `natoma-sso/${stageName}/oidc-signing-key` });
  });

  it('routes discovery and /oidc/* to the OIDC Lambda (payload 2.0)', () => {
    const integrations = resourcesOf(template, 'AWS::ApiGatewayV2::Integration');
    // The function itself, or (prod, gradual deployment) its `live` alias.
    const aliasIds = Object.entries(resourcesOf(template, 'AWS::Lambda::Alias')).filter(([, alias]) => JSON.stringify(alias.Properties?.FunctionName) === JSON.stringify({ Ref: oidcId })).map(([id]) => id);
    const oidcIntegration = Object.entries(integrations).find(([, integration]) => [oidcId, ...aliasIds].some((id) => JSON.stringify(integration.Properties?.IntegrationUri).includes(id)));
    expect(oidcIntegration?.[1].Properties).toMatchObject({ IntegrationType: 'AWS_PROXY', PayloadFormatVersion: '2.0' });
    const routes = Object.values(resourcesOf(template, 'AWS::ApiGatewayV2::Route')).filter((route) => JSON.stringify(route.Properties?.Target).includes(oidcIntegration![0]));
    expect(routes.map((route) => route.Properties?.RouteKey).sort()).toEqual(['ANY /oidc/{proxy+}', 'GET /.well-known/openid-configuration']);
  });

  it('gives the OIDC Lambda its issuer, table and key secret by environment, and no default app unless configured', () => {
    const variables = variablesOf(template, oidcId);
    expect(variables).toMatchObject({
      TABLE_NAME: { Ref: 'IdentityTableE9A3D52B' },
      OIDC_SIGNING_KEY_SECRET: `natoma-sso/${stageName}/oidc-signing-key`,
      PUBLIC_BASE_URL: stageName === 'prod' ? 'https://sso.example.com' : expect.anything(),
    });
    expect(variables).not.toHaveProperty('OIDC_DEFAULT_CLIENT_ID');
    expect(variables).not.toHaveProperty('SP_KEY_SECRET_NAME');
    expect(variablesOf(template, backchannelId)).toMatchObject({ OIDC_SIGNING_KEY_SECRET: `natoma-sso/${stageName}/oidc-signing-key`, PUBLIC_BASE_URL: variables.PUBLIC_BASE_URL });
  });

  it('creates the signing-key secret with a placeholder, filled at first deploy by the key provisioner', () => {
    expect(secrets[keyId]!.Properties).toMatchObject({ Name: `natoma-sso/${stageName}/oidc-signing-key`, GenerateSecretString: {} });
    expect(secrets[keyId]).toMatchObject({
      DeletionPolicy: stageName === 'prod' ? 'RetainExceptOnCreate' : 'Delete',
      UpdateReplacePolicy: stageName === 'prod' ? 'Retain' : 'Delete',
    });
    const [resource] = Object.values(resourcesOf(template, 'Custom::OidcSigningKey'));
    expect(Object.keys(resource!.Properties!).sort()).toEqual(['SecretId', 'ServiceToken']);
    expect(resource!.Properties!.SecretId).toEqual({ Ref: keyId });
    // Neither OIDC Lambda is created before the key exists.
    const dependsOn = (id: string) => (template.toJSON().Resources[id] as { DependsOn?: string[] }).DependsOn ?? [];
    expect(dependsOn(oidcId)).toContain(Object.keys(resourcesOf(template, 'Custom::OidcSigningKey'))[0]);
    expect(dependsOn(backchannelId)).toContain(Object.keys(resourcesOf(template, 'Custom::OidcSigningKey'))[0]);
  });

  it('lets exactly the OIDC Lambda, the back-channel Lambda and the key provisioner read the signing key', () => {
    const roleOf = (fnId: string) => (resourcesOf(template, 'AWS::Lambda::Function')[fnId]!.Properties!.Role as { 'Fn::GetAtt': [string] })['Fn::GetAtt'][0];
    const readers = new Set<string>();
    for (const policy of Object.values(resourcesOf(template, 'AWS::IAM::Policy'))) {
      const statements = (policy.Properties!.PolicyDocument as { Statement: Statement[] }).Statement;
      if (statements.some((statement) => JSON.stringify(statement.Resource).includes(keyId))) {
        for (const role of policy.Properties!.Roles as Array<{ Ref: string }>) readers.add(role.Ref);
      }
    }
    expect([...readers].sort()).toEqual([roleOf(oidcId), roleOf(backchannelId), roleOf(functionId(template, OIDC_KEY_PROVISIONER))].sort());
    for (const fnId of [oidcId, backchannelId]) {
      const onKey = roleStatements(template, fnId).filter((statement) => JSON.stringify(statement.Resource).includes(keyId));
      expect(actionsOf(onKey).sort()).toEqual(['secretsmanager:DescribeSecret', 'secretsmanager:GetSecretValue']);
    }
    // No policy reaches the key through a wildcard either.
    for (const policy of Object.values(resourcesOf(template, 'AWS::IAM::Policy'))) {
      for (const statement of (policy.Properties!.PolicyDocument as { Statement: Statement[] }).Statement) {
        if (actionsOf([statement]).some((action) => action.startsWith('secretsmanager:'))) expect(statement.Resource).not.toBe('*');
      }
    }
    expect(JSON.stringify(resourcesOf(template, 'AWS::IAM::ManagedPolicy'))).not.toContain(keyId);
  });

  it('lets the OIDC Lambda read and write table items; the back-channel Lambda only reads', () => {
    const oidcDynamo = actionsOf(roleStatements(template, oidcId)).filter((action) => action.startsWith('dynamodb:'));
    expect(oidcDynamo.sort()).toEqual([...ITEM_ACTIONS].sort());
    const backchannelDynamo = actionsOf(roleStatements(template, backchannelId)).filter((action) => action.startsWith('dynamodb:'));
    expect(backchannelDynamo.sort()).toEqual(['dynamodb:BatchGetItem', 'dynamodb:GetItem', 'dynamodb:Query']);
  });

  it('sends session.ended from the bus to the back-channel Lambda, with retries, a DLQ and an alarm', () => {
    template.hasResourceProperties('AWS::Events::Rule', {
      EventBusName: { Ref: busId },
      EventPattern: { source: ['natoma-sso'], 'detail-type': ['session.ended'] },
      Targets: [
        Match.objectLike({
          Arn: { 'Fn::GetAtt': [backchannelId, 'Arn'] },
          RetryPolicy: Match.objectLike({ MaximumRetryAttempts: Match.anyValue() }),
          DeadLetterConfig: { Arn: { 'Fn::GetAtt': [backchannelDlqId, 'Arn'] } },
        }),
      ],
    });
    // A run that throws is retried by Lambda, then lands in the same DLQ.
    template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      FunctionName: { Ref: backchannelId },
      DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [backchannelDlqId, 'Arn'] } } },
    });
    const depth = alarmsOn(template, 'ApproximateNumberOfMessagesVisible').filter((alarm) => JSON.stringify(alarm.Properties).includes(backchannelDlqId));
    expect(depth).toHaveLength(1);
  });
});

describe('OIDC default app from the stage config', () => {
  it('passes oidc.defaultAppClientId as OIDC_DEFAULT_CLIENT_ID', () => {
    const { template } = synth('dev', { oidc: { defaultAppClientId: 'app_0123456789' } });
    expect(variablesOf(template, functionId(template, OIDC))).toMatchObject({ OIDC_DEFAULT_CLIENT_ID: 'app_0123456789' });
  });
});

describe('events webhook from the stage config', () => {
  const withWebhook = (webhook: NonNullable<StageConfig['events']['webhook']>): Partial<StageConfig> => ({ events: { iteratorAgeAlarmMinutes: 15, webhook } });

  describe('with a key the stack generates', () => {
    const { template } = synth('dev', withWebhook({ url: 'https://app.example.com/natoma-events' }));
    const json = JSON.stringify(template.toJSON());
    const keySecretId = idOf(resourcesOf(template, 'AWS::SecretsManager::Secret'), /^EventWebhookApiKey/);
    const destinationId = idOf(resourcesOf(template, 'AWS::Events::ApiDestination'), /^EventWebhookDestination/);
    const dlqId = idOf(resourcesOf(template, 'AWS::SQS::Queue'), /^EventWebhookDlq/);

    it('authenticates with x-api-key taken from Secrets Manager at deploy time, never a literal', () => {
      template.hasResourceProperties('AWS::SecretsManager::Secret', { Name: 'natoma-sso/dev/events-webhook-key', GenerateSecretString: Match.objectLike({ PasswordLength: 48 }) });
      template.hasResourceProperties('AWS::Events::Connection', {
        AuthorizationType: 'API_KEY',
        AuthParameters: { ApiKeyAuthParameters: { ApiKeyName: 'x-api-key', ApiKeyValue: { 'Fn::Join': ['', ['{{resolve:secretsmanager:', { Ref: keySecretId }, ':SecretString:::}}']] } } },
      });
      expect(json).not.toMatch(/"SecretString"\s*:/);
      template.hasOutput('EventWebhookKeySecretName', { Value: 'natoma-sso/dev/events-webhook-key' });
    });

    it('POSTs every directory event (the event itself, as the twin does) to the URL, with retries and a DLQ', () => {
      template.hasResourceProperties('AWS::Events::ApiDestination', { InvocationEndpoint: 'https://app.example.com/natoma-events', HttpMethod: 'POST' });
      template.hasResourceProperties('AWS::Events::Rule', {
        EventPattern: { source: ['natoma-sso'] },
        Targets: [
          Match.objectLike({
            Arn: { 'Fn::GetAtt': [destinationId, 'Arn'] },
            InputPath: '$.detail',
            RetryPolicy: { MaximumRetryAttempts: 185, MaximumEventAgeInSeconds: 86_400 },
            DeadLetterConfig: { Arn: { 'Fn::GetAtt': [dlqId, 'Arn'] } },
          }),
        ],
      });
      expect(resourcesOf(template, 'AWS::SQS::Queue')[dlqId]!.Properties).toMatchObject({ SqsManagedSseEnabled: true });
    });

    it('alarms when an event lands in the webhook DLQ', () => {
      expect(alarmsOn(template, 'ApproximateNumberOfMessagesVisible').filter((alarm) => JSON.stringify(alarm.Properties).includes(dlqId))).toHaveLength(1);
    });
  });

  it('reads an existing key secret by name, creating none', () => {
    const { template } = synth('dev', withWebhook({ url: 'https://app.example.com/hook', apiKeySecretName: 'platform/natoma-webhook-key' }));
    template.hasResourceProperties('AWS::Events::Connection', {
      AuthParameters: { ApiKeyAuthParameters: { ApiKeyName: 'x-api-key', ApiKeyValue: '{{resolve:secretsmanager:platform/natoma-webhook-key:SecretString:::}}' } },
    });
    expect(Object.keys(resourcesOf(template, 'AWS::SecretsManager::Secret')).some((id) => id.startsWith('EventWebhook'))).toBe(false);
  });

  it('refuses a webhook URL that is not https, and a rate outside EventBridge limits', () => {
    expect(() => synth('dev', withWebhook({ url: 'http://app.example.com/hook' }))).toThrow(/events\.webhook\.url "http:\/\/app\.example\.com\/hook" must be an https:\/\/ URL/);
    expect(() => synth('dev', withWebhook({ url: 'https://app.example.com/hook', rateLimitPerSecond: 0 }))).toThrow(/rateLimitPerSecond 0 must be an integer from 1 to 300/);
  });
});
