import { expect } from 'vitest';
import { METRICS_NAMESPACE, type EmfDocument } from '../../lambdas/http/metrics';

/**
 * What CloudWatch requires of an EMF line (Embedded Metric Format specification): `_aws.Timestamp` in ms,
 * directives with a Namespace, at most 30 keys per dimension set, every dimension a string member of the
 * root and every metric a number member, with a valid unit.
 */
export function expectValidEmf(document: EmfDocument): void {
  expect(typeof document._aws.Timestamp).toBe('number');
  expect(document._aws.CloudWatchMetrics.length).toBeGreaterThan(0);
  for (const directive of document._aws.CloudWatchMetrics) {
    expect(directive.Namespace).toBe(METRICS_NAMESPACE);
    for (const set of directive.Dimensions) {
      expect(set.length).toBeGreaterThan(0);
      expect(set.length).toBeLessThanOrEqual(30);
      for (const key of set) expect(typeof document[key], `dimension ${key}`).toBe('string');
    }
    for (const metric of directive.Metrics) {
      expect(typeof document[metric.Name], `metric ${metric.Name}`).toBe('number');
      expect(metric.Unit).toBe('Count');
    }
  }
}

export const emfLinesOf = (lines: readonly string[]): EmfDocument[] => lines.filter((line) => line.startsWith('{"_aws"')).map((line) => JSON.parse(line) as EmfDocument);
