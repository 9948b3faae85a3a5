import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import type { HttpApi } from 'aws-cdk-lib/aws-apigatewayv2';
import {
  Alarm,
  ComparisonOperator,
  MathExpression,
  Metric,
  TreatMissingData,
  type IMetric,
} from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { Operation, type ITable } from 'aws-cdk-lib/aws-dynamodb';
import { PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import { FilterPattern, MetricFilter, type ILogGroup } from 'aws-cdk-lib/aws-logs';
import type { Function as LambdaFunction, IFunction } from 'aws-cdk-lib/aws-lambda';
import { Topic, type ITopic } from 'aws-cdk-lib/aws-sns';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';

const PERIOD = Duration.minutes(5);
/** p99 duration above this share of a function's timeout raises the latency alarm: time-outs are near. */
const LATENCY_SHARE_OF_TIMEOUT = 0.8;

/**
 * Log lines the alarms count (JSON logs, `message` field; lambdas/http/logger.ts). They are a
 * contract with the Lambdas: test/infra checks that the sources still write them.
 */
export const countedLogLines = {
  /** lambdas/saml/handler.ts, when an ACS request's SAML response is refused. */
  samlRefused: 'saml response refused',
  /** lambdas/maintenance/handler.ts, once per run, with `morePending`. */
  purgeRun: 'membership purge run',
} as const;
/** Below this many requests in a period the 5xx rate is not meaningful (one error in two requests is not an outage). */
const MIN_REQUESTS_FOR_RATE = 10;
/** The operations the storage core performs; an alarm's metric math may combine at most 10 metrics. */
const TABLE_OPERATIONS = [
  Operation.GET_ITEM,
  Operation.BATCH_GET_ITEM,
  Operation.QUERY,
  Operation.PUT_ITEM,
  Operation.UPDATE_ITEM,
  Operation.DELETE_ITEM,
  Operation.BATCH_WRITE_ITEM,
  Operation.TRANSACT_WRITE_ITEMS,
  Operation.TRANSACT_GET_ITEMS,
];

export interface AlarmOptions {
  readonly metric: IMetric;
  readonly threshold: number;
  readonly description: string;
  /** @default 1 */
  readonly evaluationPeriods?: number;
  readonly datapointsToAlarm?: number;
  /** @default GREATER_THAN_THRESHOLD */
  readonly comparisonOperator?: ComparisonOperator;
}

export interface OperationsAlarmsProps {
  readonly api: HttpApi;
  /** The API's JSON access logs: stage throttling (429) is counted from them. */
  readonly apiAccessLogs: ILogGroup;
  /** Name → function (the surfaces and the maintenance Lambda), e.g. `{ Saml: fn }`; the name goes into alarm IDs. */
  readonly functions: Record<string, IFunction>;
  /** Surface functions whose p99 duration is compared with their timeout. */
  readonly latencyWatched: Record<string, LambdaFunction>;
  /** Logs of the SAML Lambda: refused SAML responses are counted from them. */
  readonly samlLogs: ILogGroup;
  /** Logs of the maintenance Lambda: runs that leave purges pending are counted from them. */
  readonly maintenanceLogs: ILogGroup;
  /** How often maintenance runs. */
  readonly maintenanceRate: Duration;
  readonly table: ITable;
  readonly api5xxRatePercent: number;
  readonly samlRefusalsPer5Min: number;
  readonly accountConcurrency: number;
  readonly maintenanceBacklogHours: number;
  /** @default - no new topic */
  readonly alarmEmail?: string;
  /** @default - no existing topic */
  readonly alarmTopicArn?: string;
  /** Applied to the alarm topic's KMS key. */
  readonly removalPolicy: RemovalPolicy;
}

/**
 * Alarms on what means "users cannot sign in or be provisioned": API 5xx rate and throttling, Lambda
 * errors, throttles and latency near the timeout per surface, a spike of refused SAML responses,
 * a persisting maintenance backlog, account-wide Lambda concurrency, DynamoDB system errors and
 * throttled requests. They notify an SNS topic
 * when the stage config names an email (a new, KMS-encrypted topic) or an existing topic ARN;
 * otherwise they only show in CloudWatch.
 */
export class OperationsAlarms extends Construct {
  readonly alarms: Alarm[] = [];
  /** The alarms by construct ID, e.g. `SamlErrors`, `Api5xxRate`. */
  readonly byId: Record<string, Alarm> = {};
  readonly topic?: ITopic;
  /** What the alarms count from logs, by label, for the dashboard. */
  readonly logMetrics: Record<string, IMetric> = {};

  constructor(scope: Construct, id: string, props: OperationsAlarmsProps) {
    super(scope, id);
    this.topic = this.alarmTopic(props);

    const errors = props.api.metricServerError({ period: PERIOD, statistic: 'Sum' });
    const requests = props.api.metricCount({ period: PERIOD, statistic: 'Sum' });
    this.add('Api5xxRate', {
      metric: new MathExpression({
        expression: `IF(requests >= ${MIN_REQUESTS_FOR_RATE}, 100 * errors / requests, 0)`,
        usingMetrics: { errors, requests },
        period: PERIOD,
        label: 'API 5xx rate (%)',
      }),
      threshold: props.api5xxRatePercent,
      description: `More than ${props.api5xxRatePercent}% of public API requests answered 5xx in 5 minutes`,
      evaluationPeriods: 2,
    });

    // HTTP APIs publish no throttle metric (429s hide in 4xx), so count them from the access logs.
    const throttled = new MetricFilter(this, 'ApiThrottledFilter', {
      logGroup: props.apiAccessLogs,
      filterPattern: FilterPattern.stringValue('$.status', '=', '429'),
      metricNamespace: 'NatomaSso',
      metricName: 'ApiThrottledRequests',
      dimensions: { ApiId: '$.apiId' },
      metricValue: '1',
    });
    this.logMetrics['API 429s'] = throttled.metric({ period: PERIOD, statistic: 'Sum', dimensionsMap: { ApiId: props.api.apiId } });
    this.add('ApiThrottles', {
      metric: throttled.metric({ period: PERIOD, statistic: 'Sum', dimensionsMap: { ApiId: props.api.apiId } }),
      threshold: 1,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      description: 'The public API answered 429: a route passed its throttle (routeThrottles, else apiThrottle, in the stage config); routeKey in the access logs says which',
    });

    for (const [name, fn] of Object.entries(props.functions)) {
      this.add(`${name}Errors`, {
        metric: fn.metricErrors({ period: PERIOD, statistic: 'Sum' }),
        threshold: 1,
        comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        description: `The ${name} Lambda failed (uncaught error or timeout)`,
      });
      this.add(`${name}Throttles`, {
        metric: fn.metricThrottles({ period: PERIOD, statistic: 'Sum' }),
        threshold: 1,
        comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        description: `The ${name} Lambda was throttled (account or reserved concurrency exhausted)`,
      });
    }

    for (const [name, fn] of Object.entries(props.latencyWatched)) {
      if (!fn.timeout) throw new Error(`${name}: a latency-watched function needs an explicit timeout`);
      const thresholdMs = Math.round(fn.timeout.toMilliseconds() * LATENCY_SHARE_OF_TIMEOUT);
      this.add(`${name}LatencyNearTimeout`, {
        metric: fn.metricDuration({ period: PERIOD, statistic: 'p99' }),
        threshold: thresholdMs,
        evaluationPeriods: 3,
        datapointsToAlarm: 2,
        description: `The ${name} Lambda's p99 duration passed ${thresholdMs} ms (${LATENCY_SHARE_OF_TIMEOUT * 100}% of its ${fn.timeout.toSeconds()} s timeout): requests are close to timing out`,
      });
    }

    const refusals = new MetricFilter(this, 'SamlRefusalsFilter', {
      logGroup: props.samlLogs,
      filterPattern: FilterPattern.stringValue('$.message', '=', countedLogLines.samlRefused),
      metricNamespace: 'NatomaSso',
      metricName: 'SamlResponsesRefused',
      metricValue: '1',
      defaultValue: 0,
    });
    this.logMetrics['SAML responses refused'] = refusals.metric({ period: PERIOD, statistic: 'Sum' });
    this.add('SamlRefusalSpike', {
      metric: refusals.metric({ period: PERIOD, statistic: 'Sum' }),
      threshold: props.samlRefusalsPer5Min,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      description: `${props.samlRefusalsPer5Min} or more SAML responses refused in 5 minutes: an IdP may have rolled its signing certificate, or a clock drifted (the log lines carry tenantId and code)`,
    });

    const backlog = new MetricFilter(this, 'MaintenanceBacklogFilter', {
      logGroup: props.maintenanceLogs,
      filterPattern: FilterPattern.all(
        FilterPattern.stringValue('$.message', '=', countedLogLines.purgeRun),
        FilterPattern.booleanValue('$.morePending', true),
      ),
      metricNamespace: 'NatomaSso',
      metricName: 'MaintenanceRunsLeavingBacklog',
      metricValue: '1',
      defaultValue: 0,
    });
    this.logMetrics['Maintenance runs leaving a backlog'] = backlog.metric({ period: PERIOD, statistic: 'Sum' });
    const runsPerHour = Math.max(1, Math.floor(60 / props.maintenanceRate.toMinutes()));
    this.add('MaintenanceBacklog', {
      metric: backlog.metric({ period: Duration.hours(1), statistic: 'Sum' }),
      // Every run of each hour ended with purges still pending.
      threshold: runsPerHour,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: props.maintenanceBacklogHours,
      description: `Every maintenance run for ${props.maintenanceBacklogHours} h ended with membership purges still pending: deletes outpace the purge (storage grows; clients see nothing)`,
    });

    this.add('AccountConcurrency', {
      metric: new Metric({ namespace: 'AWS/Lambda', metricName: 'ConcurrentExecutions', period: Duration.minutes(1), statistic: 'Maximum' }),
      threshold: props.accountConcurrency,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 3,
      datapointsToAlarm: 2,
      description: `Lambda concurrency in this account and region reached ${props.accountConcurrency} (alarms.accountConcurrency, ~80% of the quota): new SAML and SCIM requests will soon be throttled`,
    });

    this.add('TableSystemErrors', {
      metric: props.table.metricSystemErrorsForOperations({ operations: TABLE_OPERATIONS, period: PERIOD }),
      threshold: 1,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      description: 'DynamoDB returned HTTP 500s for the identity table',
    });
    this.add('TableThrottles', {
      metric: props.table.metricThrottledRequestsForOperations({ operations: TABLE_OPERATIONS, period: PERIOD }),
      threshold: 1,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      description: 'DynamoDB throttled requests to the identity table',
    });
  }

  /** An alarm of another construct (event forwarding, webhook, back-channel logout), routed like the others. */
  watch(id: string, options: AlarmOptions): Alarm {
    this.add(id, options);
    return this.byId[id]!;
  }

  /** Alarms as soon as a dead-letter queue holds a message: something was given up on and waits for an operator. */
  watchDeadLetterQueue(id: string, queue: IQueue, description: string): Alarm {
    return this.watch(id, {
      metric: queue.metricApproximateNumberOfMessagesVisible({ period: PERIOD, statistic: 'Maximum' }),
      threshold: 1,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      description,
    });
  }

  private add(id: string, options: AlarmOptions): void {
    const alarm = new Alarm(this, id, {
      metric: options.metric,
      threshold: options.threshold,
      evaluationPeriods: options.evaluationPeriods ?? 1,
      datapointsToAlarm: options.datapointsToAlarm,
      comparisonOperator: options.comparisonOperator ?? ComparisonOperator.GREATER_THAN_THRESHOLD,
      treatMissingData: TreatMissingData.NOT_BREACHING,
      alarmDescription: options.description,
    });
    if (this.topic) {
      alarm.addAlarmAction(new SnsAction(this.topic));
      alarm.addOkAction(new SnsAction(this.topic));
    }
    this.alarms.push(alarm);
    this.byId[id] = alarm;
  }

  private alarmTopic(props: OperationsAlarmsProps): ITopic | undefined {
    if (props.alarmTopicArn) return Topic.fromTopicArn(this, 'ExistingTopic', props.alarmTopicArn);
    if (!props.alarmEmail) return undefined;
    const key = new Key(this, 'TopicKey', {
      description: 'Encrypts natoma-sso alarm notifications',
      enableKeyRotation: true,
      removalPolicy: props.removalPolicy,
    });
    // CloudWatch publishes to the encrypted topic, so it must be able to use the key.
    key.addToResourcePolicy(
      new PolicyStatement({
        principals: [new ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        resources: ['*'],
      }),
    );
    const topic = new Topic(this, 'Topic', { masterKey: key, enforceSSL: true, displayName: 'natoma-sso alarms' });
    topic.addSubscription(new EmailSubscription(props.alarmEmail));
    return topic;
  }
}
