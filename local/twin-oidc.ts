import { appendFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { DocumentSender } from '../lambdas/adapters/dynamodb/index';
import { createDynamoAdapters } from '../lambdas/adapters/dynamodb/index';
import { systemClock } from '../lambdas/core/clock';
import type { EventSink } from '../lambdas/core/events/ports';
import type { SecretStore } from '../lambdas/core/secrets';
import type { Logger } from '../lambdas/http/logger';
import type { HttpHandler } from '../lambdas/http/pipeline';
import { backchannelLogoutSink, type UndeliveredLogout } from '../lambdas/oidc/backchannel-logout';
import { ensureOidcKeyRing, OidcKeyringProvider } from '../lambdas/oidc/signing-keyring';
import { importWithoutRuntimeWarning } from './quiet-warnings';

export const OIDC_SIGNING_KEY_SECRET_NAME = 'natoma-sso/local/oidc-signing-keys';
/** The twin re-reads the signing key ring after 1 s (deployed: 5 min), so that an `oidc-key` step shows at once. */
export const TWIN_OIDC_KEYRING_CACHE_MS = 1_000;

/** The twin's OIDC surface and its back-channel logout sink (which the twin's event stream delivers to). */
export async function composeTwinOidc(runtime: { db: DocumentSender; tableName: string; secrets: SecretStore; publicBaseUrl: string; logger: Logger; dataDir: string }): Promise<{ compose: () => HttpHandler; backchannelLogoutSink: EventSink }> {
  await ensureOidcKeyRing(runtime.secrets, OIDC_SIGNING_KEY_SECRET_NAME);
  const { composeOidcHandler } = await importWithoutRuntimeWarning(() => import('../lambdas/oidc/app'));
  const compose = () => composeOidcHandler({ ...runtime, signingKeySecretName: OIDC_SIGNING_KEY_SECRET_NAME, runtimeMode: 'local', keyringCacheMs: TWIN_OIDC_KEYRING_CACHE_MS });
  const keyring = new OidcKeyringProvider(runtime.secrets, OIDC_SIGNING_KEY_SECRET_NAME, systemClock, TWIN_OIDC_KEYRING_CACHE_MS);
  const { apps } = createDynamoAdapters({ db: runtime.db, tableName: runtime.tableName });
  // The twin's stand-in for the rule's DLQ: an app that is down must not hold back the twin's other events.
  const deadLetters = join(runtime.dataDir, 'backchannel-dead-letters.ndjson');
  const onUndeliverable = async (failure: UndeliveredLogout) => {
    runtime.logger.warn('back-channel logout not delivered; kept in the dead-letter file', { ...failure, file: deadLetters });
    await appendFile(deadLetters, JSON.stringify({ ...failure, at: new Date().toISOString() }) + '\n', { mode: 0o600 });
  };
  return { compose, backchannelLogoutSink: backchannelLogoutSink({ apps, keyring: async () => (await keyring.get()).ring, issuer: runtime.publicBaseUrl, onUndeliverable }) };
}
