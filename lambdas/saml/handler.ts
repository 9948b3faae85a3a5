import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { z } from 'zod/v3';
import { createDocumentClient } from '../adapters/dynamodb/client';
import { SecretsManagerSecretStore } from '../adapters/secrets/secrets-manager-store';
import { EnvName } from '../http/env-names';
import { loadEnv } from '../http/env';
import { createLogger } from '../http/logger';
import type { HttpHandler } from '../http/pipeline';
import { composeSamlHandler } from './app';

// The twin, the bench and the tests build the surface through these.
export { composeSamlHandler, createSamlHandler, type SamlHandlerDeps, type SamlRuntime } from './app';

const samlEnvSchema = z.object({
  [EnvName.tableName]: z.string().min(1),
  [EnvName.spKeySecretName]: z.string().min(1),
  [EnvName.publicBaseUrl]: z.string().url().optional(),
  [EnvName.adminPublicUrl]: z.string().url().optional(),
  [EnvName.runtimeMode]: z.enum(['local', 'deployed']).default('deployed'),
  [EnvName.logLevel]: z.string().optional(),
  [EnvName.oidcDefaultClientId]: z.string().min(1).optional(),
  DYNAMODB_ENDPOINT: z.string().url().optional(),
});

let deployed: HttpHandler | undefined;

/** The deployed handler: environment validated and clients built once per container, at the first request. */
export const handler: HttpHandler = (event, context) => {
  deployed ??= composeDeployed();
  return deployed(event, context);
};

function composeDeployed(): HttpHandler {
  const env = loadEnv(samlEnvSchema);
  return composeSamlHandler({
    db: createDocumentClient({ endpoint: env.DYNAMODB_ENDPOINT }),
    tableName: env[EnvName.tableName],
    secrets: new SecretsManagerSecretStore(new SecretsManagerClient({})),
    spKeySecretName: env[EnvName.spKeySecretName],
    publicBaseUrl: env[EnvName.publicBaseUrl],
    adminPublicUrl: env[EnvName.adminPublicUrl],
    runtimeMode: env[EnvName.runtimeMode],
    logger: createLogger('saml', env[EnvName.logLevel]),
    defaultAppClientId: env[EnvName.oidcDefaultClientId],
  });
}
