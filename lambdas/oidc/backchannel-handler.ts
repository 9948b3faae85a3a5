import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { z } from 'zod/v3';
import { createDocumentClient } from '../adapters/dynamodb/client';
import { createDynamoAdapters } from '../adapters/dynamodb/index';
import { SecretsManagerSecretStore } from '../adapters/secrets/secrets-manager-store';
import { systemClock } from '../core/clock';
import type { DirectoryEvent } from '../core/events/directory-event';
import type { EventSink } from '../core/events/ports';
import { EnvName } from '../http/env-names';
import { loadEnv } from '../http/env';
import { backchannelLogoutSink } from './backchannel-logout';
import { OidcKeyringProvider } from './signing-keyring';

const envSchema = z.object({
  [EnvName.tableName]: z.string().min(1),
  [EnvName.oidcSigningKeySecret]: z.string().min(1),
  [EnvName.publicBaseUrl]: z.string().url(),
  DYNAMODB_ENDPOINT: z.string().url().optional(),
});

let sink: EventSink | undefined;

/**
 * EventBridge target of the rule on `session.ended` (event `{ detail: DirectoryEvent }`): sends the
 * back-channel logout tokens. Throwing makes EventBridge retry the event (then its DLQ).
 */
export async function handler(event: { detail: DirectoryEvent }): Promise<void> {
  sink ??= compose();
  await sink.deliver([event.detail]);
}

function compose(): EventSink {
  const env = loadEnv(envSchema);
  const db = createDocumentClient({ endpoint: env.DYNAMODB_ENDPOINT });
  const { apps } = createDynamoAdapters({ db, tableName: env[EnvName.tableName] });
  const keyring = new OidcKeyringProvider(new SecretsManagerSecretStore(new SecretsManagerClient({})), env[EnvName.oidcSigningKeySecret], systemClock);
  return backchannelLogoutSink({ apps, keyring: async () => (await keyring.get()).ring, issuer: env[EnvName.publicBaseUrl].replace(/\/+$/, '') });
}
