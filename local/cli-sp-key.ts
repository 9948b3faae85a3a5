import { join } from 'node:path';
import { UsageError, type FlagSpec, type FlagValues } from './cli-args';
import type { CommandSpec } from './cli-commands';
import { DEPLOYED_SP_KEYRING_CACHE_MS, spKeyRotate, spKeyStatus, type SpKeyStatus, type SpKeyTarget } from './sp-key';
import type { RotationStep } from '../lambdas/core/sso/sp-key-rotation';

const targetFlags: FlagSpec[] = [
  {
    name: 'secret-id',
    kind: 'string',
    placeholder: 'NAME|ARN',
    description: "a deployed stage's SP key secret (stack output SpCredentialSecretName); default: the twin's, in $DATA_DIR",
  },
  { name: 'region', kind: 'string', placeholder: 'REGION', description: 'AWS region for --secret-id (default: AWS_REGION)' },
];

/** The permissions `--secret-id` needs, named in the error when AWS refuses. */
export const SP_KEY_IAM_ACTIONS = ['secretsmanager:GetSecretValue', 'secretsmanager:PutSecretValue'] as const;

async function targetOf(flags: FlagValues, env: Record<string, string | undefined>): Promise<SpKeyTarget> {
  if (flags.url !== undefined || flags['admin-url'] !== undefined) {
    throw new UsageError('sp-key does not go through the operator API (no Lambda may write the SP key): give --secret-id for a deployed stage, or nothing for the twin');
  }
  const secretId = flags['secret-id'] as string | undefined;
  if (secretId === undefined) {
    const { FileSecretStore } = await import('./file-secret-store');
    const { SP_KEY_SECRET_NAME, TWIN_SP_KEYRING_CACHE_MS } = await import('./twin');
    const dataDir = env.DATA_DIR || '.data';
    const store = new FileSecretStore(dataDir);
    return { store, secretName: SP_KEY_SECRET_NAME, cacheMs: TWIN_SP_KEYRING_CACHE_MS, where: `the local twin (${join(dataDir, 'secrets')}; start it once with npm start if empty)` };
  }
  const region = (flags.region as string | undefined) ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION;
  if (!region) throw new UsageError('--region is needed with --secret-id: AWS_REGION is not set');
  const [{ SecretsManagerClient }, { SecretsManagerSecretStore }] = await Promise.all([import('@aws-sdk/client-secrets-manager'), import('../lambdas/adapters/secrets/secrets-manager-store')]);
  const store = new SecretsManagerSecretStore(new SecretsManagerClient({ region }));
  return { store: withPermissionHint(store, secretId), secretName: secretId, cacheMs: DEPLOYED_SP_KEYRING_CACHE_MS, where: `Secrets Manager (${region})` };
}

/** AWS's AccessDenied names the missing action; ours adds what the operator's role needs in all. */
function withPermissionHint(store: SpKeyTarget['store'], secretId: string): SpKeyTarget['store'] {
  const hint = async <T>(work: () => Promise<T>): Promise<T> => {
    try {
      return await work();
    } catch (error) {
      const name = (error as { name?: string }).name;
      if (name === 'AccessDeniedException' || name === 'AccessDenied') {
        throw new Error(`AWS refused access to the secret ${secretId}: your identity needs ${SP_KEY_IAM_ACTIONS.join(' and ')} on it (${(error as Error).message})`);
      }
      throw error;
    }
  };
  return { get: (name) => hint(() => store.get(name)), put: (name, value) => hint(() => store.put(name, value)), delete: () => Promise.reject(new Error('sp-key never deletes the secret')) };
}

function humanStatus(status: SpKeyStatus): string {
  const keys = status.keys.map((key) => `  ${key.role.padEnd(9)}${key.fingerprintSha256}\n           ${key.subject}, valid until ${key.notAfter} (${key.daysLeft} days)`);
  return [
    `SP key secret ${status.secret} in ${status.where}`,
    `Stage: ${status.stage}${status.lastStep ? ` (last step: ${status.lastStep.step} at ${status.lastStep.at})` : ''}`,
    'Keys (SHA-256 fingerprints):',
    ...keys,
    '',
    `Next step: sp-key rotate --step ${status.nextStep}${status.notBefore ? `, not before ${status.notBefore}` : ''}`,
    ...status.advice.map((line) => `- ${line}`),
  ].join('\n');
}

const ranSummary: Record<RotationStep, string> = {
  generate: 'Generated a next key. The SP metadata publishes it beside the current one; decryption accepts both; signing is unchanged.',
  promote: 'Promoted the next key: it signs from now on. The old key is kept as previous (still decrypts, still published).',
  retire: 'Retired the previous key: it no longer decrypts and leaves the SP metadata.',
};

export const spKeyCommands: CommandSpec[] = [
  {
    words: ['sp-key', 'status'],
    summary: 'show the SP keys (fingerprints, expiry) and where a key rotation stands',
    flags: targetFlags,
    runDirect: async (flags, env) => spKeyStatus(await targetOf(flags, env)),
    human: (r) => humanStatus(r as SpKeyStatus),
  },
  {
    words: ['sp-key', 'rotate'],
    summary: 'run one step of an SP key rotation: generate, then promote, then retire',
    flags: [
      { name: 'step', kind: 'string', required: true, choices: ['generate', 'promote', 'retire'], placeholder: 'generate|promote|retire', description: 'the step to run (sp-key status says which is next)' },
      ...targetFlags,
    ],
    runDirect: async (flags, env) => spKeyRotate(await targetOf(flags, env), flags.step as RotationStep),
    human: (r) => [ranSummary[(r as { ran: RotationStep }).ran], '', humanStatus(r as SpKeyStatus)].join('\n'),
  },
];
