import { z } from 'zod/v3';
import { createDocumentClient } from '../adapters/dynamodb/client';
import { createDynamoAdapters } from '../adapters/dynamodb/index';
import { SecretsManagerSecretStore } from '../adapters/secrets/secrets-manager-store';
import { EnvName } from '../http/env-names';
import { loadEnv } from '../http/env';
import { createLogger } from '../http/logger';
import type { HttpEvent, HttpResult } from '../http/request';
import { createScimHandler, type ScimHandler } from './app';

export { createScimHandler, type ScimHandlerDeps, type ScimHandler } from './app';

export const scimEnvSchema = z.object({
  [EnvName.tableName]: z.string().min(1),
  [EnvName.scimTokenSecretPrefix]: z.string().min(1),
  [EnvName.publicBaseUrl]: z.string().url().optional(),
  [EnvName.runtimeMode]: z.enum(['local', 'deployed']).default('deployed'),
  [EnvName.logLevel]: z.string().optional(),
  DYNAMODB_ENDPOINT: z.string().url().optional(),
});

let composed: ScimHandler | undefined;

function compose(): ScimHandler {
  const env = loadEnv(scimEnvSchema);
  const db = createDocumentClient({ endpoint: env.DYNAMODB_ENDPOINT });
  const adapters = createDynamoAdapters({ db, tableName: env[EnvName.tableName] });
  return createScimHandler({
    ...adapters,
    secrets: new SecretsManagerSecretStore(),
    secretPrefix: env[EnvName.scimTokenSecretPrefix],
    publicBaseUrl: env[EnvName.publicBaseUrl],
    logger: createLogger('scim', env[EnvName.logLevel]),
  });
}

/** The Lambda entry point, composed on first use (one document client per container). */
export const handler = async (event: HttpEvent): Promise<HttpResult> => {
  composed ??= compose();
  return composed(event);
};
