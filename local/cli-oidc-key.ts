import { join } from 'node:path';
import { UsageError, type FlagSpec, type FlagValues } from './cli-args';
import type { CommandSpec } from './cli-commands';
import { oidcKeyStatus, oidcKeyStep, type OidcKeyTarget } from './oidc-key';
import { OIDC_KEYRING_CACHE_MS, type OidcKeyCommand } from '../lambdas/core/oidc/signing-keys';

const targetFlags: FlagSpec[] = [
  { name: 'secret-id', kind: 'string', placeholder: 'NAME|ARN', description: "a deployed stage's OIDC signing key secret; default: the twin's, in $DATA_DIR" },
  { name: 'region', kind: 'string', placeholder: 'REGION', description: 'AWS region for --secret-id (default: AWS_REGION)' },
];

async function targetOf(flags: FlagValues, env: Record<string, string | undefined>): Promise<OidcKeyTarget> {
  const secretId = flags['secret-id'] as string | undefined;
  if (secretId === undefined) {
    const { FileSecretStore } = await import('./file-secret-store');
    const { OIDC_SIGNING_KEY_SECRET_NAME, TWIN_OIDC_KEYRING_CACHE_MS } = await import('./twin-oidc');
    const dataDir = env.DATA_DIR || '.data';
    return { store: new FileSecretStore(dataDir), secretName: OIDC_SIGNING_KEY_SECRET_NAME, cacheMs: TWIN_OIDC_KEYRING_CACHE_MS, where: `the local twin (${join(dataDir, 'secrets')})` };
  }
  const region = (flags.region as string | undefined) ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION;
  if (!region) throw new UsageError('--region is needed with --secret-id: AWS_REGION is not set');
  const [{ SecretsManagerClient }, { SecretsManagerSecretStore }] = await Promise.all([import('@aws-sdk/client-secrets-manager'), import('../lambdas/adapters/secrets/secrets-manager-store')]);
  return { store: new SecretsManagerSecretStore(new SecretsManagerClient({ region })), secretName: secretId, cacheMs: OIDC_KEYRING_CACHE_MS, where: `Secrets Manager (${region})` };
}

const human = (r: Record<string, unknown>) =>
  [
    ...(r.ran ? [`Ran ${String(r.ran)}.`, ''] : []),
    `OIDC signing keys (${String(r.secret)} in ${String(r.where)})`,
    `Stage: ${String(r.stage)}; signing kid ${String(r.signing)}; published: ${(r.published as string[]).join(', ')}`,
    `Next step: oidc-key ${String(r.nextStep)}${r.notBefore ? `, not before ${String(r.notBefore)}` : ''}`,
    `- ${String(r.advice)}`,
  ].join('\n');

const step = (command: OidcKeyCommand, summary: string): CommandSpec => ({
  words: ['oidc-key', command],
  summary,
  flags: targetFlags,
  runDirect: async (flags, env) => oidcKeyStep(await targetOf(flags, env), command),
  human,
});

export const oidcKeyCommands: CommandSpec[] = [
  { words: ['oidc-key', 'status'], summary: 'show the OIDC signing keys and where a rotation stands', flags: targetFlags, runDirect: async (flags, env) => oidcKeyStatus(await targetOf(flags, env)), human },
  step('generate-next', 'publish a next signing key in the JWKS (it does not sign yet)'),
  step('promote', 'make the next key sign; the old one stays published as previous'),
  step('retire-previous', 'remove the previous key from the JWKS (tokens it signed stop verifying)'),
];
