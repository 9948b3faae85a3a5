import { CustomResource, Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { CfnFunction } from 'aws-cdk-lib/aws-lambda';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Secret, type ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import { Provider } from 'aws-cdk-lib/custom-resources';
import type { Construct } from 'constructs';
import { AppFunction, lambdaEntry } from './app-function';

export interface ProvisionedSecretProps {
  /** Physical name of the secret. */
  readonly secretName: string;
  readonly secretDescription: string;
  /** The provisioner Lambda's entry under `lambdas/` (a `lambdaSources` value). */
  readonly provisionerSource: string;
  readonly provisionerDescription: string;
  /** `Custom::…` type of the custom resource, and its properties beside `SecretId`. */
  readonly resourceType: string;
  readonly resourceProperties?: Record<string, string>;
  /** Why the secret has no Secrets Manager rotation schedule (cdk-nag AwsSolutions-SMG4). */
  readonly noScheduledRotationReason: string;
  readonly removalPolicy: RemovalPolicy;
  readonly logRetention: RetentionDays;
  readonly tracing: boolean;
}

/**
 * A secret whose value a deploy-time custom resource generates in the account and writes straight into
 * Secrets Manager: the key is never in the template, an output or the custom resource's response. Until
 * then the secret holds a random placeholder; later deployments and stack deletion leave the value alone.
 *
 * Adds its resources to `scope` itself (`Secret`, `Provisioner`, `Provider`, `ProviderLogs`, `Resource`),
 * not under a construct of its own: the logical IDs of the secrets already deployed stay what they were.
 */
export function addProvisionedSecret(scope: Construct, props: ProvisionedSecretProps): ISecret {
  const secret = new Secret(scope, 'Secret', { secretName: props.secretName, description: props.secretDescription, removalPolicy: props.removalPolicy });

  const provisioner = new AppFunction(scope, 'Provisioner', {
    entry: lambdaEntry(props.provisionerSource),
    description: props.provisionerDescription,
    // RSA key generation is CPU-bound and Lambda CPU scales with memory.
    memorySize: 1024,
    // Key generation takes seconds at most; the margin covers a cold start and two Secrets Manager calls.
    timeout: Duration.seconds(60),
    logRetention: props.logRetention,
    logRemovalPolicy: props.removalPolicy,
    tracing: props.tracing,
  });
  secret.grantRead(provisioner);
  // Only a new version of the value; not UpdateSecret (description, KMS key) as `grantWrite` would allow.
  provisioner.addToRolePolicy(new PolicyStatement({ actions: ['secretsmanager:PutSecretValue'], resources: [secret.secretArn] }));

  const provider = new Provider(scope, 'Provider', {
    onEventHandler: provisioner,
    logGroup: new LogGroup(scope, 'ProviderLogs', { retention: props.logRetention, removalPolicy: props.removalPolicy }),
  });
  const resource = new CustomResource(scope, 'Resource', {
    serviceToken: provider.serviceToken,
    resourceType: props.resourceType,
    properties: { SecretId: secret.secretArn, ...props.resourceProperties },
  });
  resource.node.addDependency(secret);

  Validations.of(secret).acknowledge({ id: 'AwsSolutions-SMG4', reason: props.noScheduledRotationReason });
  const provisionerLogicalId = Stack.of(scope).getLogicalId(provisioner.node.defaultChild as CfnFunction);
  Validations.of(provider).acknowledge(
    {
      id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
      reason: 'The custom-resource Provider framework function (aws-cdk-lib) uses AWSLambdaBasicExecutionRole; it runs only during deployments.',
    },
    {
      id: `AwsSolutions-IAM5[Resource::<${provisionerLogicalId}.Arn>:*]`,
      reason: 'The Provider framework may invoke any version of the provisioner function (`:*`); the grant is scoped to that one function.',
    },
    {
      id: 'AwsSolutions-L1',
      reason: "The Provider framework function's runtime is chosen by aws-cdk-lib, not by this project.",
    },
  );
  return secret;
}
