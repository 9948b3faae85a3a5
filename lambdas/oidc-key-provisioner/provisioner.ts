import { GetSecretValueCommand, PutSecretValueCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { CdkCustomResourceEvent, CdkCustomResourceResponse } from 'aws-lambda';
import { parseOidcKeyRing, type OidcKeyRing } from '../core/oidc/signing-keys';

/** What the CDK construct passes as resource properties. */
interface Properties {
  SecretId: string;
}

export interface OidcKeyProvisionerDeps {
  secrets: Pick<SecretsManagerClient, 'send'>;
  generate: () => Promise<OidcKeyRing>;
  log: (message: string, fields?: Record<string, unknown>) => void;
}

/** True when the secret already holds a usable ring (CloudFormation's random placeholder is not one). */
export function holdsOidcKeyRing(secretString: string | undefined): boolean {
  if (!secretString) return false;
  try {
    parseOidcKeyRing(secretString);
    return true;
  } catch {
    return false;
  }
}

/**
 * Custom resource handler: makes sure the OIDC signing key secret holds a ring (an RS256 key and cookie
 * keys), generated in the account at the first deploy. Create and Update never replace a ring (rotation is
 * `oidc-key`'s); Delete leaves the secret to its removal policy. Key material goes only to Secrets Manager:
 * never into the response or a log line.
 */
export function createOidcKeyProvisioner(deps: OidcKeyProvisionerDeps) {
  return async (event: CdkCustomResourceEvent): Promise<CdkCustomResourceResponse> => {
    const props = event.ResourceProperties as unknown as Properties;
    if (event.RequestType === 'Delete') {
      deps.log('delete: leaving the secret as it is', { secretId: props.SecretId });
      return { PhysicalResourceId: event.PhysicalResourceId };
    }
    const existing = await deps.secrets.send(new GetSecretValueCommand({ SecretId: props.SecretId }));
    if (holdsOidcKeyRing(existing.SecretString)) {
      deps.log(`${event.RequestType.toLowerCase()}: the secret already holds an OIDC signing key ring, keeping it`, { secretId: props.SecretId });
      return { PhysicalResourceId: props.SecretId };
    }
    const ring = await deps.generate();
    await deps.secrets.send(new PutSecretValueCommand({ SecretId: props.SecretId, SecretString: JSON.stringify(ring) }));
    deps.log(`${event.RequestType.toLowerCase()}: wrote a new OIDC signing key ring`, { secretId: props.SecretId, kid: ring.current.kid });
    return { PhysicalResourceId: props.SecretId };
  };
}
