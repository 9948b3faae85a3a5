import type { RemovalPolicy } from 'aws-cdk-lib';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { lambdaSources } from './app-function';
import { addProvisionedSecret } from './provisioned-secret';

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
    this.secretName = props.secretName;
    this.secret = addProvisionedSecret(this, {
      ...props,
      secretDescription: 'OIDC ID-token signing keys (private JWKs) of natoma-sso; value written by the OidcKeyProvisioner custom resource',
      provisionerSource: lambdaSources.oidcKeyProvisioner,
      provisionerDescription: 'natoma-sso: generates the OIDC signing key ring at deploy time',
      resourceType: 'Custom::OidcSigningKey',
      noScheduledRotationReason:
        'Signing keys roll over in steps (publish `next` in the JWKS, promote it, retire `previous` once its tokens expired) so relying parties never meet an unknown key; a scheduled swap would skip the publish step.',
    });
  }
}
