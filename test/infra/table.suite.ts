import { describe, expect, it } from 'vitest';
import { tableDefinition } from '../../lambdas/adapters/dynamodb/table-definition';
import { streamViewType } from '../../lib/constructs/identity-table';
import { resourcesOf, synth } from './synth';

describe.each(['dev', 'prod'] as const)('identity table (%s)', (stageName) => {
  const { template } = synth(stageName);

  it('is one on-demand table keyed by the shared table definition', () => {
    template.resourceCountIs('AWS::DynamoDB::Table', 1);
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      BillingMode: 'PAY_PER_REQUEST',
      KeySchema: [
        { AttributeName: tableDefinition.partitionKey, KeyType: 'HASH' },
        { AttributeName: tableDefinition.sortKey, KeyType: 'RANGE' },
      ],
      TimeToLiveSpecification: { AttributeName: tableDefinition.ttlAttribute, Enabled: true },
    });
  });

  it('streams every write, with its new image, to the event forwarder (view type from the table definition, else both images)', () => {
    // The forwarder reads only the new image of the outbox items: anything less would lose the event.
    expect(streamViewType()).toBe('NEW_IMAGE');
    template.hasResourceProperties('AWS::DynamoDB::Table', { StreamSpecification: { StreamViewType: 'NEW_IMAGE' } });
  });

  it('has exactly the GSIs of the table definition (gsi1, projection ALL)', () => {
    const table = Object.values(resourcesOf(template, 'AWS::DynamoDB::Table'))[0]!;
    expect(table.Properties?.GlobalSecondaryIndexes).toEqual([
      {
        IndexName: 'gsi1',
        KeySchema: [
          { AttributeName: 'gsi1pk', KeyType: 'HASH' },
          { AttributeName: 'gsi1sk', KeyType: 'RANGE' },
        ],
        Projection: { ProjectionType: 'ALL' },
      },
    ]);
  });
});

describe('identity table lifecycle per stage', () => {
  it('keeps prod data (PITR, deletion protection) yet lets a failed first create roll back: RetainExceptOnCreate', () => {
    const { template } = synth('prod');
    template.hasResource('AWS::DynamoDB::Table', {
      DeletionPolicy: 'RetainExceptOnCreate',
      UpdateReplacePolicy: 'Retain',
      Properties: {
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        DeletionProtectionEnabled: true,
      },
    });
  });

  it('lets dev be torn down: no PITR, no deletion protection, DESTROY', () => {
    const { template } = synth('dev');
    template.hasResource('AWS::DynamoDB::Table', {
      DeletionPolicy: 'Delete',
      Properties: {
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: false },
        DeletionProtectionEnabled: false,
      },
    });
  });
});

describe('prod stateful resources', () => {
  const { template } = synth('prod');
  const stateful = ['AWS::DynamoDB::Table', 'AWS::SecretsManager::Secret', 'AWS::KMS::Key', 'AWS::Logs::LogGroup'];

  it.each(stateful)('%s: retained on delete and replacement, removed only when its first create fails', (type) => {
    const resources = Object.entries(resourcesOf(template, type));
    expect(resources.length).toBeGreaterThan(0);
    for (const [id, resource] of resources) {
      expect({ id, DeletionPolicy: resource.DeletionPolicy, UpdateReplacePolicy: resource.UpdateReplacePolicy }).toEqual({
        id,
        DeletionPolicy: 'RetainExceptOnCreate',
        UpdateReplacePolicy: 'Retain',
      });
    }
  });
});

describe('after a point-in-time restore (restoredTableName)', () => {
  const restoredTableStreamArn = 'arn:aws:dynamodb:eu-west-1:111111111111:table/natoma-sso-prod-restored-20261130/stream/2026-11-30T10:00:00.000';
  const { template } = synth('prod', { restoredTableName: 'natoma-sso-prod-restored-20261130', restoredTableStreamArn });

  it('points every Lambda at the restored table and keeps the original in the template', () => {
    template.resourceCountIs('AWS::DynamoDB::Table', 1);
    expect(Object.keys(resourcesOf(template, 'AWS::DynamoDB::Table'))).toEqual(['IdentityTableE9A3D52B']);
    const tableNames = Object.values(resourcesOf(template, 'AWS::Lambda::Function'))
      .map((fn) => (fn.Properties?.Environment as { Variables?: Record<string, unknown> } | undefined)?.Variables?.TABLE_NAME)
      .filter((name) => name !== undefined);
    expect(tableNames.length).toBeGreaterThanOrEqual(4);
    for (const name of tableNames) expect(name).toBe('natoma-sso-prod-restored-20261130');
  });

  it('grants item access on the restored table and its gsi1, not on the original', () => {
    const json = JSON.stringify(resourcesOf(template, 'AWS::IAM::Policy'));
    expect(json).toContain('table/natoma-sso-prod-restored-20261130');
    expect(json).toContain('table/natoma-sso-prod-restored-20261130/index/gsi1');
    expect(json).not.toContain('IdentityTableE9A3D52B');
  });

  it('refuses a malformed table name', () => {
    expect(() => synth('prod', { restoredTableName: 'no spaces allowed', restoredTableStreamArn })).toThrow(/restoredTableName "no spaces allowed" is not a DynamoDB table name/);
  });

  it('forwards directory events from the restored table\'s stream, and refuses a restore without one', () => {
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', { EventSourceArn: restoredTableStreamArn });
    expect(JSON.stringify(resourcesOf(template, 'AWS::Lambda::EventSourceMapping'))).not.toContain('StreamArn');
    expect(() => synth('prod', { restoredTableName: 'natoma-sso-prod-restored-20261130' })).toThrow(/restoredTableName needs restoredTableStreamArn/);
    expect(() => synth('prod', { restoredTableName: 'natoma-sso-prod-restored-20261130', restoredTableStreamArn: 'arn:aws:dynamodb:eu-west-1:111111111111:table/x' })).toThrow(
      /restoredTableStreamArn ".*" is not a DynamoDB stream ARN/,
    );
  });
});
