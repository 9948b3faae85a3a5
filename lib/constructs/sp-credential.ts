import type { RemovalPolicy } from 'aws-cdk-lib';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { lambdaSources } from './app-function';
import { addProvisionedSecret } from './provisioned-secret';

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
    this.secretName = props.secretName;
    this.secret = addProvisionedSecret(this, {
      ...props,
      secretDescription: 'SAML SP private key and certificate(s) of natoma-sso; value written by the SpKeyProvisioner custom resource',
      provisionerSource: lambdaSources.spKeyProvisioner,
      provisionerDescription: 'natoma-sso: generates the SAML SP key pair and certificate at deploy time',
      resourceType: 'Custom::SpCredential',
      resourceProperties: { CommonName: props.commonName },
      noScheduledRotationReason:
        "SP keys are rolled over by hand in two steps (publish `next`, then promote) so every IdP can pick up the new certificate first; an automatic rotation would break every tenant's SSO.",
    });
  }
}
