import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import type { HttpApi } from 'aws-cdk-lib/aws-apigatewayv2';
import {
  Alarm,
  ComparisonOperator,
  MathExpression,
  TreatMissingData,
  type IMetric,
} from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { Operation, type ITable } from 'aws-cdk-lib/aws-dynamodb';
import { PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import { FilterPattern, MetricFilter, type ILogGroup } from 'aws-cdk-lib/aws-logs';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { Topic, type ITopic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';

const PERIOD = Duration.minutes(5);
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

export interface OperationsAlarmsProps {
  readonly api: HttpApi;
  /** The API's JSON access logs: stage throttling (429) is counted from them. */
  readonly apiAccessLogs: ILogGroup;
  /** Name → function (the surfaces and the maintenance Lambda), e.g. `{ Saml: fn }`; the name goes into alarm IDs. */
  readonly functions: Record<string, IFunction>;
  readonly table: ITable;
  readonly api5xxRatePercent: number;
  /** @default - no new topic */
  readonly alarmEmail?: string;
  /** @default - no existing topic */
  readonly alarmTopicArn?: string;
  /** Applied to the alarm topic's KMS key. */
  readonly removalPolicy: RemovalPolicy;
}

/**
 * Alarms on what means "users cannot sign in or be provisioned": API 5xx rate, Lambda errors and
 * throttles per surface, DynamoDB system errors and throttled requests. They notify an SNS topic
 * when the stage config names an email (a new, KMS-encrypted topic) or an existing topic ARN;
 * otherwise they only show in CloudWatch.
 */
export class OperationsAlarms extends Construct {
  readonly alarms: Alarm[] = [];
  readonly topic?: ITopic;

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
    this.add('ApiThrottles', {
      metric: throttled.metric({ period: PERIOD, statistic: 'Sum', dimensionsMap: { ApiId: props.api.apiId } }),
      threshold: 1,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      description: 'The public API answered 429: stage throttling (apiThrottle in the stage config) turned requests away',
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

  private add(
    id: string,
    options: {
      metric: IMetric;
      threshold: number;
      description: string;
      evaluationPeriods?: number;
      comparisonOperator?: ComparisonOperator;
    },
  ): void {
    const alarm = new Alarm(this, id, {
      metric: options.metric,
      threshold: options.threshold,
      evaluationPeriods: options.evaluationPeriods ?? 1,
      comparisonOperator: options.comparisonOperator ?? ComparisonOperator.GREATER_THAN_THRESHOLD,
      treatMissingData: TreatMissingData.NOT_BREACHING,
      alarmDescription: options.description,
    });
    if (this.topic) {
      alarm.addAlarmAction(new SnsAction(this.topic));
      alarm.addOkAction(new SnsAction(this.topic));
    }
    this.alarms.push(alarm);
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
