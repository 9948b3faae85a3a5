import { z } from 'zod/v3';
import { createDocumentClient } from '../adapters/dynamodb/client';
import { createDynamoAdapters } from '../adapters/dynamodb/index';
import { SecretsManagerSecretStore } from '../adapters/secrets/secrets-manager-store';
import { EnvName } from '../http/env-names';
import { loadEnv } from '../http/env';
import { createLogger } from '../http/logger';
import type { HttpEvent, HttpResult } from '../http/request';
import { createScimHandler, type ScimHandler } from './app';

export { createScimHandler, scimPipeline, type ScimHandlerDeps, type ScimHandler } from './app';

export const scimEnvSchema = z.object({
  [EnvName.tableName]: z.string().min(1),
  [EnvName.scimTokenSecretPrefix]: z.string().min(1),
  [EnvName.publicBaseUrl]: z.string().url().optional(),
  [EnvName.runtimeMode]: z.enum(['local', 'deployed']).default('deployed'),
  [EnvName.logLevel]: z.string().optional(),
  DYNAMODB_ENDPOINT: z.string().url().optional(),
});

let composed: ScimHandler | undefined;

/** Env validated, one document client and the SCIM surface per container. */
function compose(): ScimHandler {
  const env = loadEnv(scimEnvSchema);
  const db = createDocumentClient({ endpoint: env.DYNAMODB_ENDPOINT });
  return createScimHandler({
    ...createDynamoAdapters({ db, tableName: env[EnvName.tableName] }),
    secrets: new SecretsManagerSecretStore(),
    secretPrefix: env[EnvName.scimTokenSecretPrefix],
    publicBaseUrl: env[EnvName.publicBaseUrl],
    logger: createLogger('scim', env[EnvName.logLevel]),
  });
}

/** The Lambda entry point, composed on first use. */
export const handler = (event: HttpEvent): Promise<HttpResult> => {
  composed ??= compose();
  return composed(event);
};
