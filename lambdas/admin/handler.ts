import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SSMClient } from '@aws-sdk/client-ssm';
import { z } from 'zod/v3';
import { createDocumentClient } from '../adapters/dynamodb/client';
import { createDynamoAdapters, type DocumentSender } from '../adapters/dynamodb/index';
import { SecretsManagerSecretStore } from '../adapters/secrets/secrets-manager-store';
import { readParameter } from '../adapters/ssm/parameter';
import { systemClock, type Clock } from '../core/clock';
import type { SecretStore } from '../core/secrets';
import { loadEnv } from '../http/env';
import { EnvName } from '../http/env-names';
import { createLogger, type Logger } from '../http/logger';
import type { HttpEvent, HttpResult } from '../http/request';
import { createAdminHandler } from './admin-handler';
import { composeConsole, consoleOperatorRoutes } from './console/compose';
import { operatorSsoScimRoutes } from './operator-sso-scim-routes';

export { createAdminHandler } from './admin-handler';
export type { AdminHandlerDeps, SurfaceHandler } from './admin-handler';

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

/** Everything the admin Lambda is composed from; the deployed handler and the local twin both go through here. */
export interface AdminRuntime {
  readonly db: DocumentSender;
  readonly tableName: string;
  readonly secrets: SecretStore;
  readonly scimTokenSecretPrefix: string;
  readonly publicBaseUrl?: string;
  readonly adminPublicUrl?: string;
  readonly runtimeMode: 'deployed' | 'local';
  readonly clock?: Clock;
  readonly logger?: Logger;
}

/** The composition root of the admin surface. */
export function composeAdminHandler(runtime: AdminRuntime): (event: HttpEvent, context?: unknown) => Promise<HttpResult> {
  const clock = runtime.clock ?? systemClock;
  const adapters = createDynamoAdapters({ db: runtime.db, tableName: runtime.tableName, clock });
  const surface = { ...adapters, ...runtime, clock };
  return createAdminHandler({
    tenants: adapters.tenants,
    activity: adapters.activity,
    clock,
    logger: runtime.logger,
    publicBaseUrl: runtime.publicBaseUrl,
    operatorRoutes: [...operatorSsoScimRoutes(surface), ...consoleOperatorRoutes(surface)],
    console: composeConsole(surface),
  });
}

let composed: Promise<ReturnType<typeof composeAdminHandler>> | undefined;

async function deployed(): Promise<ReturnType<typeof composeAdminHandler>> {
  const env = loadEnv(adminEnvSchema);
  // Console links issued through the operator (IAM) URL must point at the console URL, not at the caller's.
  const adminPublicUrlParameter = env[EnvName.adminPublicUrlParameter];
  const adminPublicUrl =
    env[EnvName.adminPublicUrl] ?? (adminPublicUrlParameter ? await readParameter(new SSMClient({}), adminPublicUrlParameter) : undefined);
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

/** The Lambda entry point. Composed on first use, so that importing this module has no side effect. */
export const handler = async (event: HttpEvent, context?: unknown): Promise<HttpResult> => {
  // A failed composition (e.g. SSM throttled) is not cached: the next request tries again.
  composed ??= deployed().catch((error: unknown) => {
    composed = undefined;
    throw error;
  });
  return (await composed)(event, context);
};
