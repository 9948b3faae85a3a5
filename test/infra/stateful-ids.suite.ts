import { describe, expect, it } from 'vitest';
import { resourcesOf, synth } from './synth';

/**
 * The logical IDs and key schema of every stateful resource, written out by hand. A refactor that
 * renames a construct ID or changes a key replaces the resource: a new, empty table, or a new SP key
 * that breaks every tenant's IdP. If this test fails, the change needs a migration plan, not a new
 * expected value.
 */
const pinned = {
  'AWS::DynamoDB::Table': ['IdentityTableE9A3D52B'],
  'AWS::SecretsManager::Secret': ['SpCredentialSecretE290E791', 'OidcSigningKeySecret25086553'],
  'Custom::SpCredential': ['SpCredential07FABA90'],
  'Custom::OidcSigningKey': ['OidcSigningKeyF8483CA4'],
  'AWS::Events::EventBus': ['EventsBus45DE4339'],
  'AWS::SSM::Parameter': ['AdminConsoleUrlParameter8D9147FB'],
  'AWS::KMS::Key': ['AlarmsTopicKeyAB251E47'],
};

describe('stateful resources keep their identity (prod)', () => {
  const { template } = synth('prod');

  it.each(Object.entries(pinned))('%s keeps its logical ID', (type, ids) => {
    expect(Object.keys(resourcesOf(template, type)).sort()).toEqual(expect.arrayContaining(ids));
  });

  it('keeps the table key schema, attribute types, indexes and TTL attribute', () => {
    const table = resourcesOf(template, 'AWS::DynamoDB::Table')['IdentityTableE9A3D52B']!.Properties!;
    expect({
      KeySchema: table.KeySchema,
      AttributeDefinitions: table.AttributeDefinitions,
      GlobalSecondaryIndexes: table.GlobalSecondaryIndexes,
      TimeToLiveSpecification: table.TimeToLiveSpecification,
      BillingMode: table.BillingMode,
    }).toEqual({
      KeySchema: [
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
      AttributeDefinitions: [
        { AttributeName: 'pk', AttributeType: 'S' },
        { AttributeName: 'sk', AttributeType: 'S' },
        { AttributeName: 'gsi1pk', AttributeType: 'S' },
        { AttributeName: 'gsi1sk', AttributeType: 'S' },
      ],
      GlobalSecondaryIndexes: [
        {
          IndexName: 'gsi1',
          KeySchema: [
            { AttributeName: 'gsi1pk', KeyType: 'HASH' },
            { AttributeName: 'gsi1sk', KeyType: 'RANGE' },
          ],
          Projection: { ProjectionType: 'ALL' },
        },
      ],
      TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
      BillingMode: 'PAY_PER_REQUEST',
    });
  });

  it('keeps the SP secret and console parameter names, which are physical and looked up by name', () => {
    expect(resourcesOf(template, 'AWS::SecretsManager::Secret')['SpCredentialSecretE290E791']!.Properties!.Name).toBe('natoma-sso/prod/sp-credential');
    expect(resourcesOf(template, 'AWS::SSM::Parameter')['AdminConsoleUrlParameter8D9147FB']!.Properties!.Name).toBe('/natoma-sso/prod/admin-console-url');
  });
});
