import { ArnFormat, Duration, Fn, Stack } from 'aws-cdk-lib';
import { ManagedPolicy, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { Alias, FunctionUrlAuthType, type FunctionUrl } from 'aws-cdk-lib/aws-lambda';
import { StringParameter } from 'aws-cdk-lib/aws-ssm';
import { Construct } from 'constructs';
import { consoleAssetDefines } from '../../lambdas/admin/console/browser/build';
import { EnvName } from '../../lambdas/http/env-names';
import { AppFunction, lambdaEntry, lambdaSources } from './app-function';
import type { IdentityTable } from './identity-table';
import type { ScimTokenSecrets } from './scim-token-secrets';
import type { SurfaceFunctionOptions } from './surface-options';


export interface AdminApiProps extends SurfaceFunctionOptions {
  readonly table: IdentityTable;
  readonly tokenSecrets: ScimTokenSecrets;
  /** e.g. `/natoma-sso/prod/admin-console-url`. */
  readonly consoleUrlParameterName: string;
  /** Caps the function (console and operator API together). @default - no reservation */
  readonly reservedConcurrency?: number;
  /** The console's own domain, served by CloudFront in front of its Function URL. @default - the Function URL's host */
  readonly consoleDomainName?: string;
}

/**
 * The admin Lambda behind two Function URLs (docs/architecture.md):
 * - its own URL, `AWS_IAM`: the operator API (`/operator/…`), for callers with
 *   `lambda:InvokeFunctionUrl` on this function (the operator CLI signs with SigV4);
 * - alias `console`, auth `NONE`: the tenant-admin console, authenticated by the application
 *   (one-time links, sessions, CSRF). The handler serves `/operator/…` only when the request carries
 *   an IAM authorizer context, which only the IAM URL produces.
 */
export class AdminApi extends Construct {
  readonly handler: AppFunction;
  readonly operatorUrl: FunctionUrl;
  readonly consoleUrl: FunctionUrl;
  /** The console's origin: `https://<consoleDomainName>`, else `https://<id>.lambda-url.<region>.on.aws` (no trailing slash, unlike `consoleUrl.url`). */
  readonly consoleOrigin: string;
  /** Attach to operators' roles: SigV4 calls to the operator URL and nothing else. */
  readonly operatorPolicy: ManagedPolicy;

  constructor(scope: Construct, id: string, props: AdminApiProps) {
    super(scope, id);
    this.handler = new AppFunction(this, 'Handler', {
      entry: lambdaEntry(lambdaSources.admin),
      description: 'natoma-sso admin: operator API (IAM) and tenant-admin console',
      // Metadata XML parsing and page rendering; 512 MB keeps cold starts of the larger bundle short.
      memorySize: 512,
      // Fetching a tenant's IdP metadata URL may be slow; the fetch has its own shorter bound inside.
      timeout: Duration.seconds(30),
      logRetention: props.logRetention,
      logRemovalPolicy: props.logRemovalPolicy,
      tracing: props.tracing,
      // The console's script and stylesheet, compiled from their sources at synth, travel in the bundle as text.
      define: consoleAssetDefines(),
      reservedConcurrentExecutions: props.reservedConcurrency,
      environment: {
        ...props.environment,
        [EnvName.tableName]: props.table.table.tableName,
        [EnvName.scimTokenSecretPrefix]: props.tokenSecrets.namePrefix,
        // Its own console URL in env would be a cycle (function → alias URL → alias → version → function).
        [EnvName.adminPublicUrlParameter]: props.consoleUrlParameterName,
      },
    });
    props.table.grantItemReadWrite(this.handler);
    props.tokenSecrets.grantManage(this.handler.executionRole);

    this.operatorUrl = this.handler.addFunctionUrl({ authType: FunctionUrlAuthType.AWS_IAM });
    // A caller of an AWS_IAM Function URL needs both actions; the conditions keep them to the URL.
    this.operatorPolicy = new ManagedPolicy(this, 'OperatorPolicy', {
      description: 'natoma-sso operator API: call the admin Function URL (AWS_IAM) with SigV4',
      statements: [
        new PolicyStatement({
          actions: ['lambda:InvokeFunctionUrl'],
          resources: [this.handler.functionArn],
          conditions: { StringEquals: { 'lambda:FunctionUrlAuthType': FunctionUrlAuthType.AWS_IAM } },
        }),
        new PolicyStatement({
          actions: ['lambda:InvokeFunction'],
          resources: [this.handler.functionArn],
          conditions: { Bool: { 'lambda:InvokedViaFunctionUrl': true } },
        }),
      ],
    });
    const consoleAlias = new Alias(this, 'ConsoleAlias', {
      aliasName: 'console',
      version: this.handler.currentVersion,
      description: 'Tenant-admin console (Function URL with auth NONE; the application authenticates)',
    });
    this.consoleUrl = consoleAlias.addFunctionUrl({ authType: FunctionUrlAuthType.NONE });
    this.consoleOrigin = props.consoleDomainName ? `https://${props.consoleDomainName}` : `https://${Fn.select(2, Fn.split('/', this.consoleUrl.url))}`;
    new StringParameter(this, 'ConsoleUrlParameter', {
      parameterName: props.consoleUrlParameterName,
      stringValue: this.consoleOrigin,
      description: 'Origin of the natoma-sso tenant-admin console (its Function URL), for links the operator API issues',
    });
    // An ARN built from the literal name: `parameter.grantRead` would reference the parameter and close the cycle.
    this.handler.addToRolePolicy(
      new PolicyStatement({
        actions: ['ssm:GetParameter'],
        resources: [
          Stack.of(this).formatArn({
            service: 'ssm',
            resource: 'parameter',
            resourceName: props.consoleUrlParameterName.replace(/^\//, ''),
            arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
          }),
        ],
      }),
    );
  }
}
