import {
  GetSecretValueCommand,
  PutSecretValueCommand,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import type { CdkCustomResourceEvent, CdkCustomResourceResponse } from 'aws-lambda';
import { generateSpCredential } from '../saml/sp-credentials';

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

/**
 * Custom resource handler (aws-cdk-lib custom-resources Provider): makes sure the SP credential
 * secret holds a key pair and certificate. Create and Update generate one only when the secret does
 * not hold one yet, so redeployments never replace keys; Delete does nothing (the secret's own
 * removal policy decides). Key material goes to Secrets Manager only: never into the response,
 * whose Data CloudFormation could expose, and never into a log line.
 */
export function createHandler(deps: ProvisionerDeps) {
  return async (event: CdkCustomResourceEvent): Promise<CdkCustomResourceResponse> => {
    const props = event.ResourceProperties as unknown as Properties;
    if (event.RequestType === 'Delete') {
      deps.log('delete: leaving the secret as it is', { secretId: props.SecretId });
      return { PhysicalResourceId: event.PhysicalResourceId };
    }
    const existing = await deps.secrets.send(new GetSecretValueCommand({ SecretId: props.SecretId }));
    if (holdsSpCredential(existing.SecretString)) {
      deps.log(`${event.RequestType.toLowerCase()}: the secret already holds an SP credential, keeping it`, { secretId: props.SecretId });
      return { PhysicalResourceId: props.SecretId };
    }
    const validDays = props.ValidDays ? Number(props.ValidDays) : undefined;
    const { privateKeyPem, certificatePem, notAfter } = deps.generate(props.CommonName, validDays);
    await deps.secrets.send(
      new PutSecretValueCommand({
        SecretId: props.SecretId,
        SecretString: JSON.stringify({ current: { privateKeyPem, certificatePem } }),
      }),
    );
    deps.log(`${event.RequestType.toLowerCase()}: wrote a new SP credential`, { secretId: props.SecretId, notAfter });
    return { PhysicalResourceId: props.SecretId };
  };
}
