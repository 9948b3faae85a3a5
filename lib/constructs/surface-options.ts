import type { RemovalPolicy } from 'aws-cdk-lib';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';

/** Settings every surface function takes from the stage config. */
export interface SurfaceFunctionOptions {
  readonly logRetention: RetentionDays;
  readonly logRemovalPolicy: RemovalPolicy;
  readonly tracing: boolean;
  /** Variables every surface gets (runtime mode, log level, public base URL). */
  readonly environment: Record<string, string>;
  /** Route the API to an alias `live` that CodeDeploy shifts. @default false (the API invokes $LATEST) */
  readonly trafficShifting?: boolean;
}
