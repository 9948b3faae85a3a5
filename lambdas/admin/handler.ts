import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SSMClient } from '@aws-sdk/client-ssm';
import { z } from 'zod/v3';
import { createDocumentClient } from '../adapters/dynamodb/client';
import { SecretsManagerSecretStore } from '../adapters/secrets/secrets-manager-store';
import { readParameter } from '../adapters/ssm/parameter';
import { loadEnv } from '../http/env';
import { EnvName } from '../http/env-names';
import { createLogger } from '../http/logger';
import type { HttpHandler } from '../http/pipeline';
import { composeAdminHandler } from './compose';

export { composeAdminHandler, type AdminRuntime } from './compose';

export const adminEnvSchema = z.object({
  [EnvName.tableName]: z.string().min(1),
  [EnvName.scimTokenSecretPrefix]: z.string().min(1),
  [EnvName.publicBaseUrl]: z.string().url().optional(),
  [EnvName.adminPublicUrl]: z.string().url().optional(),
  [EnvName.adminPublicUrlParameter]: z.string().min(1).optional(),
  [EnvName.runtimeMode]: z.enum(['deployed', 'local']).default('deployed'),
  [EnvName.logLevel]: z.string().optional(),
  DYNAMODB_ENDPOINT: z.string().url().optional(),
});

async function deployed(): Promise<HttpHandler> {
  const env = loadEnv(adminEnvSchema);
  // Console links issued through the operator (IAM) URL must point at the console URL, not at the caller's.
  const parameter = env[EnvName.adminPublicUrlParameter];
  const adminPublicUrl = env[EnvName.adminPublicUrl] ?? (parameter ? await readParameter(new SSMClient({}), parameter) : undefined);
  return composeAdminHandler({
    db: createDocumentClient({ endpoint: env.DYNAMODB_ENDPOINT }),
    tableName: env[EnvName.tableName],
    secrets: new SecretsManagerSecretStore(new SecretsManagerClient({})),
    scimTokenSecretPrefix: env[EnvName.scimTokenSecretPrefix],
    publicBaseUrl: env[EnvName.publicBaseUrl],
    adminPublicUrl: adminPublicUrl?.replace(/\/+$/, ''),
    runtimeMode: env[EnvName.runtimeMode],
    logger: createLogger('admin', env[EnvName.logLevel]),
  });
}

let composed: Promise<HttpHandler> | undefined;

/** The Lambda entry point, composed on first use (importing this module has no side effect); a failed composition is retried. */
export const handler: HttpHandler = async (event, context) => {
  composed ??= deployed().catch((error: unknown) => {
    composed = undefined;
    throw error;
  });
  return (await composed)(event, context);
};
