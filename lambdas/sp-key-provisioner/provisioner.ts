import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { createSecretProvisioner } from '../adapters/secrets/secret-provisioner';
import type { generateSpCredential } from '../saml/sp-credentials';

/** What the CDK construct `SpCredential` passes as resource properties. */
interface Properties {
  SecretId: string;
  CommonName: string;
  ValidDays?: string;
}

export interface ProvisionerDeps {
  secrets: Pick<SecretsManagerClient, 'send'>;
  generate: typeof generateSpCredential;
  log: (message: string, fields?: Record<string, unknown>) => void;
}

/** True when the secret already holds `{ current: { privateKeyPem, certificatePem } }`. */
export function holdsSpCredential(secretString: string | undefined): boolean {
  if (!secretString) return false;
  try {
    const parsed = JSON.parse(secretString) as { current?: { privateKeyPem?: unknown; certificatePem?: unknown } };
    return typeof parsed.current?.privateKeyPem === 'string' && typeof parsed.current.certificatePem === 'string';
  } catch {
    return false; // CloudFormation's random placeholder
  }
}

/** Custom resource handler: makes sure the SP credential secret holds a key pair and certificate (secret-provisioner.ts). */
export function createHandler(deps: ProvisionerDeps) {
  return createSecretProvisioner<Properties>({
    ...deps,
    what: 'an SP credential',
    holds: holdsSpCredential,
    generate: async (props) => {
      const { privateKeyPem, certificatePem, notAfter } = deps.generate(props.CommonName, props.ValidDays ? Number(props.ValidDays) : undefined);
      return { secretString: JSON.stringify({ current: { privateKeyPem, certificatePem } }), logFields: { notAfter } };
    },
  });
}
