import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { createSecretProvisioner } from '../adapters/secrets/secret-provisioner';
import { parseOidcKeyRing, type OidcKeyRing } from '../core/oidc/signing-keys';

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
 * keys), generated in the account at the first deploy (secret-provisioner.ts). Rotation is `oidc-key`'s.
 */
export function createOidcKeyProvisioner(deps: OidcKeyProvisionerDeps) {
  return createSecretProvisioner<{ SecretId: string }>({
    ...deps,
    what: 'an OIDC signing key ring',
    holds: holdsOidcKeyRing,
    generate: async () => {
      const ring = await deps.generate();
      return { secretString: JSON.stringify(ring), logFields: { kid: ring.current.kid } };
    },
  });
}
