/**
 * `sp-key status` and `sp-key rotate --step …`: the operator works on the SP key secret directly,
 * because at runtime only the SAML Lambda may read it and nothing may write it (docs/architecture.md,
 * Secrets). The twin's secret is a file under DATA_DIR; a deployed stage's is in Secrets Manager,
 * reached with the operator's own AWS credentials (GetSecretValue and PutSecretValue on that secret).
 * The rule (which step when) is core's; key generation is saml/sp-credentials.ts's.
 */
import { X509Certificate } from 'node:crypto';
import type { SecretStore } from '../lambdas/core/secrets';
import { applyRotationStep, rotationAdvice, type RotationStep } from '../lambdas/core/sso/sp-key-rotation';
import { generateSpCredential, parseSpKeyring, SP_KEYRING_CACHE_MS, type SpCredential, type SpKeyring } from '../lambdas/saml/sp-credentials';

/** Where the keyring lives and how long the SAML surfaces reading it cache it. */
export interface SpKeyTarget {
  readonly store: SecretStore;
  readonly secretName: string;
  /** The SAML surface's keyring cache time (SpKeyringProvider): the least time between two steps. */
  readonly cacheMs: number;
  /** For people: "the local twin (…/secrets)" or "Secrets Manager, eu-west-1". */
  readonly where: string;
}

export interface SpKeyDescription {
  readonly role: 'current' | 'next' | 'previous';
  readonly fingerprintSha256: string;
  readonly subject: string;
  readonly notBefore: string;
  readonly notAfter: string;
  readonly daysLeft: number;
}

export interface SpKeyStatus extends Record<string, unknown> {
  readonly secret: string;
  readonly where: string;
  readonly stage: string;
  readonly keys: SpKeyDescription[];
  readonly lastStep?: { step: RotationStep; at: string };
  readonly nextStep: RotationStep;
  /** The next step is refused before this time (the SAML Lambdas' keyring cache). */
  readonly notBefore?: string;
  readonly advice: string[];
}

/** Certificates expiring within this many days make `status` say so: a rotation takes IdP admins time. */
const EXPIRY_WARNING_DAYS = 90;

function describeKey(role: SpKeyDescription['role'], credential: SpCredential, now: Date): SpKeyDescription {
  const certificate = new X509Certificate(credential.certificatePem);
  const notAfter = new Date(certificate.validTo);
  return {
    role,
    fingerprintSha256: certificate.fingerprint256,
    subject: certificate.subject.replace(/\n/g, ', '),
    notBefore: new Date(certificate.validFrom).toISOString(),
    notAfter: notAfter.toISOString(),
    daysLeft: Math.floor((notAfter.getTime() - now.getTime()) / 86_400_000),
  };
}

async function readKeyring(target: SpKeyTarget): Promise<SpKeyring> {
  const value = await target.store.get(target.secretName);
  if (value === undefined) throw new Error(`the SP key secret "${target.secretName}" does not exist in ${target.where}`);
  return parseSpKeyring(value);
}

export function statusOf(keyring: SpKeyring, target: SpKeyTarget, now: Date): SpKeyStatus {
  const keys = (['current', 'next', 'previous'] as const).flatMap((role) => (keyring[role] ? [describeKey(role, keyring[role], now)] : []));
  const { stage, nextStep, notBefore, advice } = rotationAdvice(keyring, { now, cacheMs: target.cacheMs });
  const current = keys[0]!;
  const expiring = stage === 'single' && current.daysLeft < EXPIRY_WARNING_DAYS ? [`The current certificate expires in ${current.daysLeft} days (${current.notAfter}): start a rotation now.`] : [];
  return { secret: target.secretName, where: target.where, stage, keys, ...(keyring.lastStep ? { lastStep: keyring.lastStep } : {}), nextStep, ...(notBefore ? { notBefore } : {}), advice: [...expiring, ...advice] };
}

export async function spKeyStatus(target: SpKeyTarget, now = new Date()): Promise<SpKeyStatus> {
  return statusOf(await readKeyring(target), target, now);
}

/** The common name of the current certificate, reused for the next one. */
function commonNameOf(credential: SpCredential): string {
  return /(?:^|\n)CN=([^\n]+)/.exec(new X509Certificate(credential.certificatePem).subject)?.[1] ?? 'natoma-sso SP';
}

/**
 * Runs one rotation step on the secret and returns the new status. Out-of-order steps throw
 * RotationOrderError (nothing is written). `generate` is injectable for tests.
 */
export async function spKeyRotate(
  target: SpKeyTarget,
  step: RotationStep,
  options: { now?: Date; generate?: (commonName: string) => SpCredential } = {},
): Promise<SpKeyStatus & { ran: RotationStep }> {
  const now = options.now ?? new Date();
  const keyring = await readKeyring(target);
  const make = options.generate ?? ((commonName: string) => {
    const { privateKeyPem, certificatePem } = generateSpCredential(commonName, undefined, now);
    return { privateKeyPem, certificatePem };
  });
  const rotated = applyRotationStep(keyring, step, { now, cacheMs: target.cacheMs, generate: () => make(commonNameOf(keyring.current)) });
  // Parsed back before writing: a ring the SAML Lambda could not read is never stored.
  const value = JSON.stringify(rotated);
  parseSpKeyring(value);
  await target.store.put(target.secretName, value);
  return { ran: step, ...statusOf(rotated, target, now) };
}

/** The SAML Lambda's cache time, for a deployed target. */
export const DEPLOYED_SP_KEYRING_CACHE_MS = SP_KEYRING_CACHE_MS;
