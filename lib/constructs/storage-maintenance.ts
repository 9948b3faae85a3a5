import { Duration } from 'aws-cdk-lib';
import { Rule, Schedule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import { Construct } from 'constructs';
import { EnvName } from '../../lambdas/http/env-names';
import { AppFunction, lambdaEntry, lambdaSources } from './app-function';
import type { IdentityTable, ItemAction } from './identity-table';
import type { SurfaceFunctionOptions } from './surface-options';

/**
 * What finishing purges does (lambdas/adapters/dynamodb/memberships.ts): Query the PURGE partition,
 * a deleted group's membership partition and, for a deleted user, gsi1; BatchWriteItem deletes of
 * memberships; DeleteItem of markers and memberships; transactions of a membership Delete plus a
 * group-count Update (authorised as DeleteItem and UpdateItem).
 * What the IdP metadata refresh does (lambdas/saml/metadata-refresh.ts): Query gsi1 for the tenant
 * list; GetItem of refresh markers and of a tenant before its replace; PutItem of markers, activity
 * events and the tenant (a one-item transaction). No BatchGetItem, no Scan.
 */
export const MAINTENANCE_ITEM_ACTIONS = [
  'dynamodb:Query',
  'dynamodb:GetItem',
  'dynamodb:PutItem',
  'dynamodb:BatchWriteItem',
  'dynamodb:DeleteItem',
  'dynamodb:UpdateItem',
] as const satisfies readonly ItemAction[];

export interface StorageMaintenanceProps extends Omit<SurfaceFunctionOptions, 'environment'> {
  readonly table: IdentityTable;
  readonly logLevel: string;
  /** How often a run starts; the function's timeout is the same, so runs do not overlap. */
  readonly rate: Duration;
}

/**
 * A scheduled Lambda (`lambdas/maintenance`) that finishes the membership purges deletes leave
 * behind: a group delete removes 1,000 memberships inline and records the rest as pending. Until a
 * run finishes them they are invisible to clients (docs/data-model.md, "Deletes").
 */
export class StorageMaintenance extends Construct {
  readonly handler: AppFunction;
  readonly rule: Rule;

  constructor(scope: Construct, id: string, props: StorageMaintenanceProps) {
    super(scope, id);
    if (props.rate.toMinutes({ integral: false }) < 1) {
      throw new Error(`maintenance rate ${props.rate.toHumanString()} is too short: EventBridge schedules run at most once a minute`);
    }
    this.handler = new AppFunction(this, 'Handler', {
      entry: lambdaEntry(lambdaSources.maintenance),
      description: 'natoma-sso maintenance: finishes pending group-membership purges, refreshes IdP metadata',
      // Waits on DynamoDB round trips and holds one page of keys at a time: no need for more CPU.
      memorySize: 256,
      // One run per period at most; the handler stops 20 s before this and the next run continues.
      timeout: Duration.minutes(Math.min(props.rate.toMinutes(), 15)),
      logRetention: props.logRetention,
      logRemovalPolicy: props.logRemovalPolicy,
      tracing: props.tracing,
      environment: {
        [EnvName.logLevel]: props.logLevel,
        [EnvName.tableName]: props.table.table.tableName,
        // The IdP metadata refresh fetches https only, from public addresses.
        [EnvName.runtimeMode]: 'deployed',
      },
    });
    props.table.grantItemActions(this.handler, MAINTENANCE_ITEM_ACTIONS);
    // A failed run is retried by the next scheduled one; an async retry would only overlap it.
    this.handler.configureAsyncInvoke({ retryAttempts: 0 });

    this.rule = new Rule(this, 'Schedule', {
      description: 'Starts the natoma-sso maintenance Lambda (pending membership purges, IdP metadata refresh)',
      schedule: Schedule.rate(props.rate),
    });
    this.rule.addTarget(new LambdaFunction(this.handler, { retryAttempts: 2, maxEventAge: props.rate }));
  }
}
