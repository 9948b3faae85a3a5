import { ArnFormat, CustomResource, Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { CfnFunction } from 'aws-cdk-lib/aws-lambda';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Provider } from 'aws-cdk-lib/custom-resources';
import { Construct } from 'constructs';
import { AppFunction, lambdaEntry, lambdaSources } from './app-function';

export interface PublicUrlGuardProps {
  /** The stage's public base URL (`https://…`, no trailing slash). */
  readonly baseUrl: string;
  /** e.g. `/natoma-sso/prod/published-base-url`. */
  readonly parameterName: string;
  /** The exact new URL a deploy may move to (`-c acceptPublicUrlChange=URL`). @default - no change is accepted */
  readonly acceptChangeTo?: string;
  /** Stages that retain data keep the record when the stack is deleted. */
  readonly removalPolicy: RemovalPolicy;
  readonly logRetention: RetentionDays;
  readonly tracing: boolean;
}

/**
 * A deploy-time guard against moving the public base URL (every tenant's Entity ID, ACS URL and
 * SCIM base URL derive from it). `check` compares the URL with the one recorded in an SSM parameter
 * and fails the deployment on a difference; `record` writes the URL once the rest has deployed.
 * Make what carries the URL depend on `check`, and `record` on everything else
 * (`NatomaSsoStack` does). Handler: `lambdas/url-guard/handler.ts`.
 */
export class PublicUrlGuard extends Construct {
  readonly check: CustomResource;
  readonly record: CustomResource;

  constructor(scope: Construct, id: string, props: PublicUrlGuardProps) {
    super(scope, id);
    const handler = new AppFunction(this, 'Handler', {
      entry: lambdaEntry(lambdaSources.urlGuard),
      description: 'natoma-sso: refuses deployments that would change the public base URL',
      memorySize: 256,
      timeout: Duration.seconds(30),
      logRetention: props.logRetention,
      logRemovalPolicy: props.removalPolicy,
      tracing: props.tracing,
    });
    handler.addToRolePolicy(
      new PolicyStatement({
        actions: ['ssm:GetParameter', 'ssm:PutParameter', 'ssm:DeleteParameter'],
        resources: [
          Stack.of(this).formatArn({ service: 'ssm', resource: 'parameter', resourceName: props.parameterName.replace(/^\//, ''), arnFormat: ArnFormat.SLASH_RESOURCE_NAME }),
        ],
      }),
    );
    const provider = new Provider(this, 'Provider', {
      onEventHandler: handler,
      logGroup: new LogGroup(this, 'ProviderLogs', { retention: props.logRetention, removalPolicy: props.removalPolicy }),
    });

    this.check = new CustomResource(this, 'Check', {
      serviceToken: provider.serviceToken,
      resourceType: 'Custom::PublicUrlCheck',
      properties: {
        ParameterName: props.parameterName,
        BaseUrl: props.baseUrl,
        ...(props.acceptChangeTo ? { AcceptChangeTo: props.acceptChangeTo } : {}),
      },
    });
    this.record = new CustomResource(this, 'Record', {
      serviceToken: provider.serviceToken,
      resourceType: 'Custom::PublicUrlRecord',
      properties: {
        ParameterName: props.parameterName,
        BaseUrl: props.baseUrl,
        KeepOnDelete: String(props.removalPolicy !== RemovalPolicy.DESTROY),
      },
    });
    this.record.node.addDependency(this.check);

    const handlerLogicalId = Stack.of(this).getLogicalId(handler.node.defaultChild as CfnFunction);
    Validations.of(provider).acknowledge(
      {
        id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
        reason: 'The custom-resource Provider framework function (aws-cdk-lib) uses AWSLambdaBasicExecutionRole; it runs only during deployments.',
      },
      {
        id: `AwsSolutions-IAM5[Resource::<${handlerLogicalId}.Arn>:*]`,
        reason: 'The Provider framework may invoke any version of the URL guard function (`:*`); the grant is scoped to that one function.',
      },
      {
        id: 'AwsSolutions-L1',
        reason: "The Provider framework function's runtime is chosen by aws-cdk-lib, not by this project.",
      },
    );
  }
}
