import { App, Duration, Stack } from 'aws-cdk-lib';
import { describe, expect, it } from 'vitest';
import { stages } from '../../lib/config/stages';
import { IdentityTable } from '../../lib/constructs/identity-table';
import { MAINTENANCE_ITEM_ACTIONS, StorageMaintenance } from '../../lib/constructs/storage-maintenance';
import { actionsOf, functionId, resourcesOf, roleStatements, synth } from './synth';

const description = /^natoma-sso maintenance/;

describe.each(['dev', 'prod'] as const)('storage maintenance (%s)', (stageName) => {
  const { template } = synth(stageName);
  const maintenanceId = functionId(template, description);
  const fn = resourcesOf(template, 'AWS::Lambda::Function')[maintenanceId]!;
  const statements = roleStatements(template, maintenanceId);
  const dynamo = statements.filter((statement) => actionsOf([statement]).some((action) => action.startsWith('dynamodb:')));

  it('runs the maintenance Lambda on nodejs22.x, arm64, 256 MB, with a timeout of one schedule period', () => {
    expect(fn.Properties).toMatchObject({
      Runtime: 'nodejs22.x',
      Architectures: ['arm64'],
      Handler: 'index.handler',
      MemorySize: 256,
      Timeout: stages[stageName].maintenance.rateMinutes * 60,
    });
    expect((fn.Properties!.Environment as { Variables: Record<string, unknown> }).Variables).toEqual({
      NODE_OPTIONS: '--enable-source-maps',
      LOG_LEVEL: stages[stageName].logLevel,
      TABLE_NAME: { Ref: expect.stringMatching(/^IdentityTable/) },
      RUNTIME_MODE: 'deployed',
    });
  });

  it('logs to its own log group with the stage retention', () => {
    const logGroupId = (fn.Properties!.LoggingConfig as { LogGroup: { Ref: string } }).LogGroup.Ref;
    const logGroup = resourcesOf(template, 'AWS::Logs::LogGroup')[logGroupId];
    expect(logGroup?.Properties?.RetentionInDays).toBe(stages[stageName].logRetention);
    expect(logGroup?.DeletionPolicy).toBe(stageName === 'prod' ? 'RetainExceptOnCreate' : 'Delete');
  });

  it('starts it from an EventBridge rule at the rate of the stage config', () => {
    template.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: `rate(${stages[stageName].maintenance.rateMinutes} minutes)`,
      State: 'ENABLED',
      Targets: [
        {
          Arn: { 'Fn::GetAtt': [maintenanceId, 'Arn'] },
          Id: 'Target0',
          // A run that cannot start within one period is superseded by the next one.
          RetryPolicy: { MaximumEventAgeInSeconds: stages[stageName].maintenance.rateMinutes * 60, MaximumRetryAttempts: 2 },
        },
      ],
    });
    template.hasResourceProperties('AWS::Lambda::Permission', {
      Action: 'lambda:InvokeFunction',
      FunctionName: { 'Fn::GetAtt': [maintenanceId, 'Arn'] },
      Principal: 'events.amazonaws.com',
    });
  });

  it('does not retry a failed run asynchronously: the next scheduled run continues the work', () => {
    template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', { FunctionName: { Ref: maintenanceId }, MaximumRetryAttempts: 0 });
  });

  it('may only query, get, put, batch-delete, delete and update items: no BatchGetItem, no Scan', () => {
    expect(actionsOf(dynamo).sort()).toEqual([...MAINTENANCE_ITEM_ACTIONS].sort());
    expect([...MAINTENANCE_ITEM_ACTIONS].sort()).toEqual(['dynamodb:BatchWriteItem', 'dynamodb:DeleteItem', 'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:Query', 'dynamodb:UpdateItem']);
    const query = dynamo.find((statement) => actionsOf([statement]).includes('dynamodb:Query'))!;
    expect(actionsOf([query])).toEqual(['dynamodb:Query']);
    expect(JSON.stringify(query.Resource)).toContain('/index/gsi1');
    const writes = dynamo.filter((statement) => statement !== query);
    expect(writes).toHaveLength(1);
    expect(writes[0]!.Resource).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^IdentityTable/), 'Arn'] });
    expect(JSON.stringify(dynamo)).not.toContain('*');
  });

  it('touches no secret, parameter or other function', () => {
    const services = new Set(actionsOf(statements).map((action) => action.split(':')[0]));
    expect([...services].sort()).toEqual(['dynamodb', 'logs', 'xray']);
  });

  it('alarms on its errors and throttles', () => {
    const alarms = Object.values(resourcesOf(template, 'AWS::CloudWatch::Alarm')).filter((alarm) =>
      JSON.stringify(alarm.Properties?.Dimensions ?? []).includes(maintenanceId),
    );
    expect(alarms.map((alarm) => alarm.Properties?.MetricName).sort()).toEqual(['Errors', 'Throttles']);
    for (const alarm of alarms) expect(alarm.Properties).toMatchObject({ Threshold: 1, ComparisonOperator: 'GreaterThanOrEqualToThreshold', TreatMissingData: 'notBreaching' });
  });
});

describe('StorageMaintenance props', () => {
  it('rejects a rate shorter than EventBridge allows', () => {
    const stack = new Stack(new App({ context: { 'aws:cdk:bundling-stacks': [] } }), 'Props');
    const table = new IdentityTable(stack, 'Identity', { removalPolicy: stages.dev.removalPolicy, pointInTimeRecovery: false, deletionProtection: false });
    const props = { table, logRetention: stages.dev.logRetention, logRemovalPolicy: stages.dev.removalPolicy, tracing: false, logLevel: 'info' };
    expect(() => new StorageMaintenance(stack, 'Maintenance', { ...props, rate: Duration.seconds(30) })).toThrow(/30 seconds is too short: EventBridge schedules run at most once a minute/);
  });
});
