import { CustomResource, Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { CfnFunction } from 'aws-cdk-lib/aws-lambda';
import { Secret, type ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import { Provider } from 'aws-cdk-lib/custom-resources';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { AppFunction, lambdaEntry, lambdaSources } from './app-function';

export interface SpCredentialProps {
  /** Physical name of the secret, e.g. `natoma-sso/prod/sp-credential`. */
  readonly secretName: string;
  /** Common name of the self-signed certificate. */
  readonly commonName: string;
  readonly removalPolicy: RemovalPolicy;
  readonly logRetention: RetentionDays;
  readonly tracing: boolean;
}

/**
 * The environment's SAML SP key pair and certificate, in one secret:
 * `{ "current": { "privateKeyPem", "certificatePem" }, "next"?: { ... } }`.
 *
 * The value is made at deploy time by a custom resource (`lambdas/sp-key-provisioner`) that writes it
 * straight into Secrets Manager: the key is never in the template, in a CloudFormation output or in
 * the custom resource's response. Until then the secret holds a random placeholder that CloudFormation
 * generates. Later deployments (Update) and stack deletion (Delete) leave an existing credential alone.
 *
 * Rotation without downtime: `npm run admin -- sp-key rotate --secret-id <name> --step generate|promote|retire`
 * (rule: lambdas/core/sso/sp-key-rotation.ts; runbook: docs/operations.md). `next` is published beside
 * `current`, then signs, while the old key stays as `previous` for decryption until retired.
 * Secrets Manager's scheduled rotation is not used: it would swap keys without waiting for IdP admins.
 */
export class SpCredential extends Construct {
  readonly secret: ISecret;
  /** The literal name (`secret.secretName` would be a token split out of the ARN). */
  readonly secretName: string;

  constructor(scope: Construct, id: string, props: SpCredentialProps) {
    super(scope, id);
    const secret = new Secret(this, 'Secret', {
      secretName: props.secretName,
      description: 'SAML SP private key and certificate(s) of natoma-sso; value written by the SpKeyProvisioner custom resource',
      removalPolicy: props.removalPolicy,
    });
    this.secret = secret;
    this.secretName = props.secretName;

    const provisioner = new AppFunction(this, 'Provisioner', {
      entry: lambdaEntry(lambdaSources.spKeyProvisioner),
      description: 'natoma-sso: generates the SAML SP key pair and certificate at deploy time',
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

    const provider = new Provider(this, 'Provider', {
      onEventHandler: provisioner,
      logGroup: new LogGroup(this, 'ProviderLogs', { retention: props.logRetention, removalPolicy: props.removalPolicy }),
    });
    const resource = new CustomResource(this, 'Resource', {
      serviceToken: provider.serviceToken,
      resourceType: 'Custom::SpCredential',
      properties: { SecretId: secret.secretArn, CommonName: props.commonName },
    });
    resource.node.addDependency(secret);

    Validations.of(secret).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason: "SP keys are rolled over by hand in two steps (publish `next`, then promote) so every IdP can pick up the new certificate first; an automatic rotation would break every tenant's SSO.",
    });
    const provisionerLogicalId = Stack.of(this).getLogicalId(provisioner.node.defaultChild as CfnFunction);
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
  }
}
