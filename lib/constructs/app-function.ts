import { fileURLToPath } from 'node:url';
import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import { PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Architecture, Runtime, Tracing } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { lambdaBundling } from './lambda-sources';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const sourceMapRewriter = fileURLToPath(new URL('../tools/repo-relative-source-map.mjs', import.meta.url));

export { lambdaBundling, lambdaSources } from './lambda-sources';

/** Absolute path of a Lambda entry under `lambdas/`, e.g. `lambdaEntry(lambdaSources.saml)`. */
export function lambdaEntry(relativePath: string): string {
  return fileURLToPath(new URL(`../../lambdas/${relativePath}`, import.meta.url));
}


export interface AppFunctionProps {
  /** Absolute path of the TypeScript entry; it must export `handler`. */
  readonly entry: string;
  /** Shown in the console and in `describe-functions`. */
  readonly description: string;
  readonly memorySize: number;
  readonly timeout: Duration;
  readonly environment?: Record<string, string>;
  /** @default - one week */
  readonly logRetention?: RetentionDays;
  /** Applied to the log group. @default - the log group is retained */
  readonly logRemovalPolicy?: RemovalPolicy;
  /** X-Ray active tracing. @default true */
  readonly tracing?: boolean;
  /** esbuild `define` entries: identifiers replaced by the given source text (JSON strings) in the bundle. @default - none */
  readonly define?: Record<string, string>;
  /** Concurrency reserved for, and capping, this function. @default - none: it shares the account's unreserved pool */
  readonly reservedConcurrentExecutions?: number;
}

/**
 * A NodejsFunction with the project's defaults: nodejs22.x on arm64, esbuild ESM bundle (minified,
 * source maps, `lambdaBundling`), an explicit log group with
 * the stage's retention, X-Ray tracing, and its own role that may only write to that log group
 * (no AWSLambdaBasicExecutionRole: its `logs:*` on every group is wider than needed).
 */
export class AppFunction extends NodejsFunction {
  /** The function's own role (the `role` of a NodejsFunction is optional in its type). */
  readonly executionRole: Role;

  constructor(scope: Construct, id: string, props: AppFunctionProps) {
    const logGroup = new LogGroup(scope, `${id}Logs`, {
      retention: props.logRetention ?? RetentionDays.ONE_WEEK,
      removalPolicy: props.logRemovalPolicy ?? RemovalPolicy.RETAIN,
    });
    const role = new Role(scope, `${id}Role`, {
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
      description: `Execution role of ${props.description}`,
    });
    role.addToPrincipalPolicy(
      new PolicyStatement({
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        resources: [logGroup.logGroupArn],
      }),
    );
    const tracing = props.tracing ?? true;

    super(scope, id, {
      entry: props.entry,
      handler: 'handler',
      description: props.description,
      runtime: Runtime.NODEJS_22_X,
      architecture: Architecture.ARM_64,
      memorySize: props.memorySize,
      timeout: props.timeout,
      role,
      logGroup,
      reservedConcurrentExecutions: props.reservedConcurrentExecutions,
      tracing: tracing ? Tracing.ACTIVE : Tracing.DISABLED,
      environment: { NODE_OPTIONS: '--enable-source-maps', ...props.environment },
      projectRoot: repoRoot,
      depsLockFilePath: `${repoRoot}package-lock.json`,
      bundling: {
        minify: true,
        sourceMap: true,
        sourcesContent: false,
        format: OutputFormat.ESM,
        target: lambdaBundling.target,
        mainFields: [...lambdaBundling.mainFields],
        banner: lambdaBundling.banner,
        externalModules: [...lambdaBundling.externalModules],
        ...(props.define ? { define: props.define } : {}),
        // Source map paths relative to the repository, not to the output folder: the asset hash
        // then depends on the code alone, whatever `cdk synth -o DIR` (lib/tools/repo-relative-source-map.mjs).
        commandHooks: {
          beforeBundling: () => [],
          beforeInstall: () => [],
          afterBundling: (_inputDir: string, outputDir: string) => [
            `node ${JSON.stringify(sourceMapRewriter)} ${JSON.stringify(`${outputDir}/index.mjs.map`)} ${JSON.stringify(repoRoot)}`,
          ],
        },
      },
    });
    this.executionRole = role;

    if (tracing) {
      Validations.of(role).acknowledge({
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason: 'X-Ray PutTraceSegments/PutTelemetryRecords support no resource-level permissions, so tracing needs Resource "*"; the statement holds only those two actions.',
      });
    }
    Validations.of(this).acknowledge({
      id: 'AwsSolutions-L1',
      reason: 'The runtime is pinned to nodejs22.x on purpose (issue 2, docs/architecture.md); moving to a newer Node line is a deliberate, tested change.',
    });
  }
}
