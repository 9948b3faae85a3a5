import { GetSecretValueCommand, PutSecretValueCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { CdkCustomResourceEvent, CdkCustomResourceResponse } from 'aws-lambda';

export interface SecretProvisionerDeps<Props> {
  readonly secrets: Pick<SecretsManagerClient, 'send'>;
  readonly log: (message: string, fields?: Record<string, unknown>) => void;
  /** What the secret holds, for the log lines ("an SP credential"). */
  readonly what: string;
  /** True when the secret already holds a usable value (CloudFormation's random placeholder is not one). */
  readonly holds: (secretString: string | undefined) => boolean;
  /** The new value, and facts about it that may be logged (never key material). */
  readonly generate: (props: Props) => Promise<{ secretString: string; logFields?: Record<string, unknown> }>;
}

/**
 * Custom resource handler (aws-cdk-lib custom-resources Provider) that makes sure a secret holds a value
 * generated in the account: Create and Update generate one only when the secret does not hold one yet, so
 * redeployments never replace keys; Delete does nothing (the secret's own removal policy decides). The value
 * goes to Secrets Manager only: never into the response, whose Data CloudFormation could expose, nor a log.
 */
export function createSecretProvisioner<Props extends { SecretId: string }>(deps: SecretProvisionerDeps<Props>) {
  return async (event: CdkCustomResourceEvent): Promise<CdkCustomResourceResponse> => {
    const props = event.ResourceProperties as unknown as Props;
    if (event.RequestType === 'Delete') {
      deps.log('delete: leaving the secret as it is', { secretId: props.SecretId });
      return { PhysicalResourceId: event.PhysicalResourceId };
    }
    const step = event.RequestType.toLowerCase();
    const existing = await deps.secrets.send(new GetSecretValueCommand({ SecretId: props.SecretId }));
    if (deps.holds(existing.SecretString)) {
      deps.log(`${step}: the secret already holds ${deps.what}, keeping it`, { secretId: props.SecretId });
      return { PhysicalResourceId: props.SecretId };
    }
    const { secretString, logFields } = await deps.generate(props);
    await deps.secrets.send(new PutSecretValueCommand({ SecretId: props.SecretId, SecretString: secretString }));
    deps.log(`${step}: wrote a new ${deps.what.replace(/^an? /, '')}`, { secretId: props.SecretId, ...logFields });
    return { PhysicalResourceId: props.SecretId };
  };
}
