/**
 * Business metrics as CloudWatch Embedded Metric Format: one JSON log line whose `_aws` member tells
 * CloudWatch Logs which root members are metrics and which are dimensions. No API call, no dependency:
 * the Lambda's log line is the metric (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html).
 *
 * Dimensions are closed sets chosen in code (surface, SCIM resource, method, status class, sign-in
 * result and refusal code), never request text: every distinct combination is a custom metric billed
 * monthly, and a value taken from a request could carry anything. The tenant ID, when given, is a
 * plain property (searchable in Logs Insights, not a dimension): per-tenant dimensions would multiply
 * the metric count by the number of tenants.
 */
export const METRICS_NAMESPACE = 'NatomaSso';

export type StatusClass = '2xx' | '3xx' | '4xx' | '5xx';

export const statusClassOf = (status: number): StatusClass => (status >= 500 || status < 200 ? '5xx' : status >= 400 ? '4xx' : status >= 300 ? '3xx' : '2xx');

/** One counted event: a metric name, its dimension sets (each a list of keys of `dimensions`), the values. */
export interface MetricPoint {
  readonly name: string;
  readonly dimensions: Readonly<Record<string, string>>;
  /** Which combinations of `dimensions` CloudWatch aggregates by. @default - one set with every key */
  readonly dimensionSets?: readonly (readonly string[])[];
  /** @default 1 */
  readonly value?: number;
}

/** Properties carried on the line but not aggregated (correlation ID, tenant ID). */
export type MetricProperties = Readonly<Record<string, string | number | boolean>>;

export interface EmfDocument {
  readonly _aws: {
    readonly Timestamp: number;
    readonly CloudWatchMetrics: readonly { readonly Namespace: string; readonly Dimensions: string[][]; readonly Metrics: { readonly Name: string; readonly Unit: 'Count' }[] }[];
  };
  readonly [member: string]: unknown;
}

/**
 * The EMF document for `points` (counts). Points may share dimension keys only with equal values:
 * the values live once, at the root of the line.
 */
export function emfDocument(points: readonly MetricPoint[], properties: MetricProperties = {}, timestampMs: number = Date.now()): EmfDocument {
  const root: Record<string, unknown> = { ...properties };
  const directives = points.map((point) => {
    for (const [key, value] of Object.entries(point.dimensions)) {
      if (root[key] !== undefined && root[key] !== value) throw new Error(`metric ${point.name}: dimension ${key} is already "${String(root[key])}" on this line`);
      root[key] = value;
    }
    root[point.name] = ((root[point.name] as number | undefined) ?? 0) + (point.value ?? 1);
    const sets = point.dimensionSets ?? [Object.keys(point.dimensions)];
    return { Namespace: METRICS_NAMESPACE, Dimensions: sets.map((set) => [...set]), Metrics: [{ Name: point.name, Unit: 'Count' as const }] };
  });
  return { _aws: { Timestamp: timestampMs, CloudWatchMetrics: directives }, ...root };
}

/** Where EMF lines go: the function's log (stdout in Lambda), through the surface's Logger. */
export interface MetricsWriter {
  metrics(document: EmfDocument): void;
}

export function emitMetrics(writer: MetricsWriter, points: readonly MetricPoint[], properties?: MetricProperties): void {
  if (points.length > 0) writer.metrics(emfDocument(points, properties));
}

/** What the pipeline knows when a request ends; a surface turns it into its metrics. */
export interface FinishedRequest {
  readonly method: string;
  readonly path: string;
  readonly status: number;
}

export type RequestMetrics = (request: FinishedRequest) => readonly MetricPoint[];

/** `Requests` by surface and status class: every surface counts this. */
export const requestCount = (surface: string, status: number): MetricPoint => ({ name: 'Requests', dimensions: { Surface: surface, StatusClass: statusClassOf(status) } });
