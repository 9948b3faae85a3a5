import { Duration, Validations } from 'aws-cdk-lib';
import type { IMetric } from 'aws-cdk-lib/aws-cloudwatch';
import { EventBus } from 'aws-cdk-lib/aws-events';
import { FilterCriteria, FilterRule, StartingPosition } from 'aws-cdk-lib/aws-lambda';
import { DynamoEventSource, SqsDlq } from 'aws-cdk-lib/aws-lambda-event-sources';
import type { Queue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { EnvName } from '../../lambdas/http/env-names';
import { AppFunction, lambdaEntry, lambdaSources } from './app-function';
import { deadLetterQueue } from './dead-letter-queue';
import type { IdentityTable } from './identity-table';
import type { SurfaceFunctionOptions } from './surface-options';
import { DIRECTORY_EVENT_SOURCE } from '../../lambdas/core/events/directory-event';

/** EventBridge `source` of every directory event the forwarder puts (contract C2, docs/events.md). */
export { DIRECTORY_EVENT_SOURCE };

/**
 * How the forwarder reads the stream. Stream records live 24 hours; a record that still fails after
 * the retries, or once it is 12 hours old, goes to the DLQ as a pointer (shard and sequence numbers)
 * while the stream still holds it for another 12 hours at least: time to fix and replay.
 */
export const FORWARDER_STREAM_SETTINGS = {
  batchSize: 100,
  maxBatchingWindow: Duration.seconds(1),
  retryAttempts: 500,
  maxRecordAge: Duration.hours(12),
} as const;

export interface DirectoryEventsProps extends SurfaceFunctionOptions {
  readonly table: IdentityTable;
  /** The stage's bus, e.g. `natoma-sso-prod-directory`. */
  readonly eventBusName: string;
}

/**
 * Directory events (docs/events.md): writes carry outbox items in their transaction, the table's
 * stream hands each new item to the forwarder (`lambdas/events/handler.ts`), which puts the event
 * on the stage's EventBridge bus. Apps and the optional webhook subscribe to the bus with rules.
 */
export class DirectoryEvents extends Construct {
  readonly bus: EventBus;
  readonly forwarder: AppFunction;
  /** Pointers (shard, sequence numbers) to stream batches the forwarder gave up on. */
  readonly forwarderDlq: Queue;
  /** Age of the newest record the forwarder read when it read it: how far behind the table it is. */
  readonly iteratorAge: IMetric;

  constructor(scope: Construct, id: string, props: DirectoryEventsProps) {
    super(scope, id);
    this.bus = new EventBus(this, 'Bus', {
      eventBusName: props.eventBusName,
      description: 'natoma-sso directory events (users, groups, members, sign-ins, SSO, SCIM tokens, sessions)',
    });

    this.forwarder = new AppFunction(this, 'Forwarder', {
      entry: lambdaEntry(lambdaSources.eventForwarder),
      description: 'natoma-sso events: forwards outbox items from the table stream to the EventBridge bus',
      // Parses at most a batch of 100 small JSON items and waits on one PutEvents call per 10 events.
      memorySize: 256,
      // A batch is at most 10 PutEvents calls; the SDK's own retries fit well inside.
      timeout: Duration.seconds(60),
      logRetention: props.logRetention,
      logRemovalPolicy: props.logRemovalPolicy,
      tracing: props.tracing,
      environment: {
        ...props.environment,
        [EnvName.eventBusName]: this.bus.eventBusName,
      },
    });
    // events:PutEvents on this bus only.
    this.bus.grantPutEventsTo(this.forwarder);

    this.forwarderDlq = deadLetterQueue(this, 'ForwarderDlq', 'pointers to table stream batches the event forwarder could not deliver');
    this.forwarder.addEventSource(
      new DynamoEventSource(props.table.table, {
        // From the oldest record still in the stream: a first deploy or a re-created mapping skips nothing.
        startingPosition: StartingPosition.TRIM_HORIZON,
        ...FORWARDER_STREAM_SETTINGS,
        // Halve a failing batch to isolate the record at fault; the handler names the first failed record.
        bisectBatchOnError: true,
        reportBatchItemFailures: true,
        // One batch at a time per shard keeps each resource's events in version order.
        parallelizationFactor: 1,
        onFailure: new SqsDlq(this.forwarderDlq),
        // Outbox items are only ever inserted; updates and TTL deletes cost no invocation.
        filters: [FilterCriteria.filter({ eventName: FilterRule.isEqual('INSERT') })],
      }),
    );
    this.iteratorAge = this.forwarder.metric('IteratorAge', { statistic: 'Maximum', period: Duration.minutes(5) });

    Validations.of(this.forwarder.executionRole).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason: 'Resource "*" holds only dynamodb:ListStreams (no resource-level permissions; the stream itself is read by ARN) and, with tracing, the two X-Ray write actions, which have none either.',
    });
  }
}
