import { Duration, Stack } from 'aws-cdk-lib';
import type { HttpApi } from 'aws-cdk-lib/aws-apigatewayv2';
import { AlarmStatusWidget, Dashboard, GraphWidget, MathExpression, Metric, type IAlarm, type IMetric } from 'aws-cdk-lib/aws-cloudwatch';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';

const PERIOD = Duration.minutes(5);
/** The Lambdas' EMF business metrics (lambdas/http/metrics.ts). */
const BUSINESS_NAMESPACE = 'NatomaSso';

/** Every series of `metricName` with exactly these dimensions (a SEARCH: dimension values are not known at synth). */
const everySeries = (metricName: string, dimensions: string[], label: string) =>
  new MathExpression({
    expression: `SEARCH('{${BUSINESS_NAMESPACE},${dimensions.join(',')}} MetricName="${metricName}"', 'Sum', ${PERIOD.toSeconds()})`,
    usingMetrics: {},
    label,
    period: PERIOD,
  });

export interface OperationsDashboardProps {
  readonly api: HttpApi;
  /** Name → function, as in `OperationsAlarms`. */
  readonly functions: Record<string, IFunction>;
  readonly table: ITable;
  /** Metrics the alarms count from logs (`NatomaSso` namespace). */
  readonly logMetrics: Record<string, IMetric>;
  readonly alarms: IAlarm[];
}

/**
 * One CloudWatch dashboard per stage, `natoma-sso-<stack>`: alarm states first, then the API, each
 * Lambda, the table, what the alarms count from logs, and the business metrics (sign-ins, SCIM
 * operations, requests by surface). Where to look when an alarm fires.
 */
export class OperationsDashboard extends Construct {
  readonly dashboard: Dashboard;

  constructor(scope: Construct, id: string, props: OperationsDashboardProps) {
    super(scope, id);
    const sum = { period: PERIOD, statistic: 'Sum' };
    const fns = Object.entries(props.functions);
    this.dashboard = new Dashboard(this, 'Dashboard', {
      dashboardName: `${Stack.of(this).stackName}-operations`,
      defaultInterval: Duration.hours(6),
    });
    this.dashboard.addWidgets(new AlarmStatusWidget({ title: 'Alarms', alarms: props.alarms, width: 24 }));
    this.dashboard.addWidgets(
      new GraphWidget({
        title: 'Public API requests and errors',
        left: [props.api.metricCount(sum), props.api.metricClientError(sum), props.api.metricServerError(sum)],
        width: 12,
      }),
      new GraphWidget({
        title: 'Public API latency (p50, p99)',
        left: [props.api.metricLatency({ period: PERIOD, statistic: 'p50' }), props.api.metricLatency({ period: PERIOD, statistic: 'p99' })],
        width: 12,
      }),
    );
    this.dashboard.addWidgets(
      new GraphWidget({ title: 'Lambda invocations', left: fns.map(([name, fn]) => fn.metricInvocations({ ...sum, label: name })), width: 8 }),
      new GraphWidget({
        title: 'Lambda errors and throttles',
        left: fns.map(([name, fn]) => fn.metricErrors({ ...sum, label: `${name} errors` })),
        right: fns.map(([name, fn]) => fn.metricThrottles({ ...sum, label: `${name} throttles` })),
        width: 8,
      }),
      new GraphWidget({ title: 'Lambda duration (p99)', left: fns.map(([name, fn]) => fn.metricDuration({ period: PERIOD, statistic: 'p99', label: name })), width: 8 }),
    );
    this.dashboard.addWidgets(
      new GraphWidget({
        title: 'Identity table capacity used',
        left: [props.table.metricConsumedReadCapacityUnits(sum), props.table.metricConsumedWriteCapacityUnits(sum)],
        width: 8,
      }),
      new GraphWidget({
        title: 'Counted from logs',
        left: Object.entries(props.logMetrics).map(([label, metric]) => (metric instanceof Metric ? metric.with({ label }) : metric)),
        width: 8,
      }),
      new GraphWidget({
        title: 'Account Lambda concurrency (max)',
        left: [new Metric({ namespace: 'AWS/Lambda', metricName: 'ConcurrentExecutions', period: Duration.minutes(1), statistic: 'Maximum' })],
        width: 8,
      }),
    );
    const signIns = (result: string) => new Metric({ namespace: BUSINESS_NAMESPACE, metricName: 'SignIns', dimensionsMap: { Result: result }, label: `sign-ins ${result}`, ...sum });
    this.dashboard.addWidgets(
      new GraphWidget({ title: 'Sign-ins by result', left: [signIns('succeeded'), signIns('refused')], width: 6 }),
      new GraphWidget({ title: 'Sign-ins refused, by code', left: [everySeries('SignIns', ['Result', 'Code'], '')], width: 6 }),
      new GraphWidget({ title: 'SCIM operations by resource, operation and status', left: [everySeries('ScimOperations', ['Resource', 'Operation', 'StatusClass'], '')], width: 6 }),
      new GraphWidget({ title: 'Requests by surface and status class', left: [everySeries('Requests', ['Surface', 'StatusClass'], '')], width: 6 }),
    );
  }
}
