import { RemovalPolicy, Validations } from 'aws-cdk-lib';
import { AttributeType, BillingMode, ProjectionType, StreamViewType, Table, type ITable } from 'aws-cdk-lib/aws-dynamodb';
import { Effect, PolicyStatement, type IGrantable } from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { tableDefinition } from '../../lambdas/adapters/dynamodb/table-definition';

export interface IdentityTableProps {
  readonly removalPolicy: RemovalPolicy;
  readonly pointInTimeRecovery: boolean;
  readonly deletionProtection: boolean;
  /**
   * Use this existing table (a point-in-time restore of this one) instead of the one created here.
   * The created table stays in the template, so it is neither deleted nor replaced.
   * @default - the created table
   */
  readonly restoredTableName?: string;
  /**
   * The stream of the restored table (a restore does not carry the stream over: enable one on the
   * restored table first, docs/operations.md). Required with `restoredTableName`.
   */
  readonly restoredTableStreamArn?: string;
}

/** The stream's view type, from the shared table definition, so the twin and the stack agree. */
export function streamViewType(): StreamViewType {
  const declared: string = tableDefinition.stream.viewType;
  if (!(Object.values(StreamViewType) as string[]).includes(declared)) throw new Error(`table-definition: unknown stream view type "${declared}"`);
  return declared as StreamViewType;
}

/**
 * Item-level actions the storage core uses. TransactWriteItems/TransactGetItems are authorised per
 * item action (Put/Update/Delete/ConditionCheck/Get), so they need no action of their own.
 * Scan is deliberately absent: no request path may scan (docs/data-model.md).
 */
export const ITEM_ACTIONS = [
  'dynamodb:GetItem',
  'dynamodb:BatchGetItem',
  'dynamodb:Query',
  'dynamodb:PutItem',
  'dynamodb:UpdateItem',
  'dynamodb:DeleteItem',
  'dynamodb:BatchWriteItem',
  'dynamodb:ConditionCheckItem',
] as const;
export type ItemAction = (typeof ITEM_ACTIONS)[number];

/**
 * The single table of tenants, users, groups, memberships, sessions and short-lived SAML state,
 * built from `lambdas/adapters/dynamodb/table-definition.ts` (the local twin uses the same file).
 * On-demand capacity; TTL on `expiresAt`; PITR, deletion protection and removal policy from the stage.
 * A DynamoDB Stream carries every write to the event forwarder (outbox items become directory events).
 */
export class IdentityTable extends Construct {
  readonly table: ITable;

  constructor(scope: Construct, id: string, props: IdentityTableProps) {
    super(scope, id);
    const table = new Table(this, 'Table', {
      partitionKey: { name: tableDefinition.partitionKey, type: AttributeType.STRING },
      sortKey: { name: tableDefinition.sortKey, type: AttributeType.STRING },
      billingMode: BillingMode.PAY_PER_REQUEST,
      timeToLiveAttribute: tableDefinition.ttlAttribute,
      stream: streamViewType(),
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: props.pointInTimeRecovery },
      deletionProtection: props.deletionProtection,
      removalPolicy: props.removalPolicy,
    });
    for (const index of tableDefinition.globalSecondaryIndexes) {
      table.addGlobalSecondaryIndex({
        indexName: index.indexName,
        partitionKey: { name: index.partitionKey, type: AttributeType.STRING },
        sortKey: { name: index.sortKey, type: AttributeType.STRING },
        projectionType: ProjectionType.ALL,
      });
    }
    this.table = props.restoredTableName
      ? Table.fromTableAttributes(this, 'Restored', {
          tableName: props.restoredTableName,
          tableStreamArn: props.restoredTableStreamArn,
          globalIndexes: tableDefinition.globalSecondaryIndexes.map((index) => index.indexName),
        })
      : table;

    if (!props.pointInTimeRecovery) {
      Validations.of(table).acknowledge({
        id: 'AwsSolutions-DDB3',
        reason: 'This stage config turns PITR off: its data is disposable test data; stages that keep data set pointInTimeRecovery: true.',
      });
    }
  }

  /** Read and write items (no Scan, no table management) on the table and its indexes. */
  grantItemReadWrite(grantee: IGrantable): void {
    grantee.grantPrincipal.addToPrincipalPolicy(
      new PolicyStatement({
        effect: Effect.ALLOW,
        actions: [...ITEM_ACTIONS],
        resources: [
          this.table.tableArn,
          ...this.indexArns(),
        ],
      }),
    );
  }

  /**
   * Only the given item actions, for a function that needs less than `grantItemReadWrite`: Query
   * on the table and its indexes, every other action on the table alone (writes go to the table).
   */
  grantItemActions(grantee: IGrantable, actions: readonly ItemAction[]): void {
    if (actions.includes('dynamodb:Query')) {
      grantee.grantPrincipal.addToPrincipalPolicy(
        new PolicyStatement({ effect: Effect.ALLOW, actions: ['dynamodb:Query'], resources: [this.table.tableArn, ...this.indexArns()] }),
      );
    }
    const others = actions.filter((action) => action !== 'dynamodb:Query');
    if (others.length > 0) {
      grantee.grantPrincipal.addToPrincipalPolicy(new PolicyStatement({ effect: Effect.ALLOW, actions: [...others], resources: [this.table.tableArn] }));
    }
  }

  // Named indexes rather than `index/*`: a new index is a deliberate grant.
  private indexArns(): string[] {
    return tableDefinition.globalSecondaryIndexes.map((index) => `${this.table.tableArn}/index/${index.indexName}`);
  }
}
