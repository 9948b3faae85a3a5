import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { z } from 'zod/v3';
import { createDocumentClient } from '../adapters/dynamodb/client';
import { SecretsManagerSecretStore } from '../adapters/secrets/secrets-manager-store';
import { EnvName } from '../http/env-names';
import { loadEnv } from '../http/env';
import { createLogger } from '../http/logger';
import type { HttpHandler } from '../http/pipeline';
import { composeOidcHandler } from './app';

// The twin, the bench and the tests build the surface through these.
export { composeOidcHandler, createOidcHandler, type OidcHandlerDeps, type OidcRuntime } from './app';

const oidcEnvSchema = z.object({
  [EnvName.tableName]: z.string().min(1),
  [EnvName.oidcSigningKeySecret]: z.string().min(1),
  [EnvName.publicBaseUrl]: z.string().url().optional(),
  [EnvName.runtimeMode]: z.enum(['local', 'deployed']).default('deployed'),
  [EnvName.logLevel]: z.string().optional(),
  DYNAMODB_ENDPOINT: z.string().url().optional(),
});

let deployed: HttpHandler | undefined;

/** The deployed handler: environment validated and clients built once per container, at the first request. */
export const handler: HttpHandler = (event, context) => {
  deployed ??= composeDeployed();
  return deployed(event, context);
};

function composeDeployed(): HttpHandler {
  const env = loadEnv(oidcEnvSchema);
  return composeOidcHandler({
    db: createDocumentClient({ endpoint: env.DYNAMODB_ENDPOINT }),
    tableName: env[EnvName.tableName],
    secrets: new SecretsManagerSecretStore(new SecretsManagerClient({})),
    signingKeySecretName: env[EnvName.oidcSigningKeySecret],
    publicBaseUrl: env[EnvName.publicBaseUrl],
    runtimeMode: env[EnvName.runtimeMode],
    logger: createLogger('oidc', env[EnvName.logLevel]),
  });
}
