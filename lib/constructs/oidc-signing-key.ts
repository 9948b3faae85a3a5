import { CustomResource, Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { CfnFunction } from 'aws-cdk-lib/aws-lambda';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Secret, type ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import { Provider } from 'aws-cdk-lib/custom-resources';
import { Construct } from 'constructs';
import { AppFunction, lambdaEntry, lambdaSources } from './app-function';

export interface OidcSigningKeyProps {
  /** Physical name of the secret, e.g. `natoma-sso/prod/oidc-signing-key`. */
  readonly secretName: string;
  readonly removalPolicy: RemovalPolicy;
  readonly logRetention: RetentionDays;
  readonly tracing: boolean;
}

/**
 * The OIDC provider's signing key ring, in one secret: `{ current, next?, previous?, lastStep? }` of
 * private JWKs (RS256), like the SP key ring (contract C3).
 *
 * Generated in the account at first deploy by a custom resource (`lambdas/oidc-key-provisioner`)
 * that writes straight into Secrets Manager: the key is never in the template, an output or the
 * custom resource's response. Until then the secret holds a random placeholder. Later deployments
 * and stack deletion leave an existing ring alone.
 *
 * Rotation without downtime: `npm run -s admin -- oidc-key …` (docs/operations.md): `next` is
 * published in the JWKS before it signs; `previous` stays published until its tokens expired.
 * Only the OIDC Lambda, the back-channel logout Lambda and the provisioner may read it.
 */
export class OidcSigningKey extends Construct {
  readonly secret: ISecret;
  /** The literal name (`secret.secretName` would be a token split out of the ARN). */
  readonly secretName: string;

  constructor(scope: Construct, id: string, props: OidcSigningKeyProps) {
    super(scope, id);
    const secret = new Secret(this, 'Secret', {
      secretName: props.secretName,
      description: 'OIDC ID-token signing keys (private JWKs) of natoma-sso; value written by the OidcKeyProvisioner custom resource',
      removalPolicy: props.removalPolicy,
    });
    this.secret = secret;
    this.secretName = props.secretName;

    const provisioner = new AppFunction(this, 'Provisioner', {
      entry: lambdaEntry(lambdaSources.oidcKeyProvisioner),
      description: 'natoma-sso: generates the OIDC signing key ring at deploy time',
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
      resourceType: 'Custom::OidcSigningKey',
      properties: { SecretId: secret.secretArn },
    });
    resource.node.addDependency(secret);

    Validations.of(secret).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason: 'Signing keys roll over in steps (publish `next` in the JWKS, promote it, retire `previous` once its tokens expired) so relying parties never meet an unknown key; a scheduled swap would skip the publish step.',
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
