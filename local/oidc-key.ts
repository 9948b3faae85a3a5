/**
 * `oidc-key status|generate-next|promote|retire-previous`: the operator works on the OIDC signing key secret
 * directly (as sp-key does): the twin's file under DATA_DIR, or a deployed stage's Secrets Manager secret.
 * The rule is core's (core/oidc/signing-keys.ts over core/sso/sp-key-rotation.ts); keys are jose's.
 */
import type { SecretStore } from '../lambdas/core/secrets';
import { readyForNextStepAt, rotationStage, STEP_AFTER } from '../lambdas/core/sso/sp-key-rotation';
import { OIDC_KEY_STEPS, parseOidcKeyRing, publishedKeys, rotateOidcKeys, type OidcKeyCommand, type OidcKeyRing } from '../lambdas/core/oidc/signing-keys';
import { generateSigningJwk } from '../lambdas/oidc/signing-keyring';

export interface OidcKeyTarget {
  readonly store: SecretStore;
  readonly secretName: string;
  readonly cacheMs: number;
  readonly where: string;
}

const ADVICE: Record<string, string> = {
  single: 'No rotation under way. To start one: oidc-key generate-next (the JWKS publishes a next key; signing is unchanged).',
  'next-published': 'The JWKS publishes the next key beside the current one; the current key signs. Once apps have had time to fetch the JWKS (their cache; an hour is plenty): oidc-key promote.',
  overlap: 'The new key signs; the previous key stays in the JWKS so that tokens it signed still verify. Once they have expired (ID tokens: 1 h; logout tokens: 2 min): oidc-key retire-previous.',
};

async function readRing(target: OidcKeyTarget): Promise<OidcKeyRing> {
  const text = await target.store.get(target.secretName);
  if (!text) throw new Error(`the OIDC signing key secret ${target.secretName} is empty in ${target.where}: start the twin once (npm start), or deploy the stack`);
  return parseOidcKeyRing(text);
}

export async function oidcKeyStatus(target: OidcKeyTarget, now = new Date()) {
  return statusOf(await readRing(target), target, now);
}

function statusOf(ring: OidcKeyRing, target: OidcKeyTarget, now: Date) {
  const stage = rotationStage(ring);
  const nextStep = (Object.keys(OIDC_KEY_STEPS) as OidcKeyCommand[]).find((name) => OIDC_KEY_STEPS[name] === STEP_AFTER[stage])!;
  const readyAt = readyForNextStepAt(ring, target.cacheMs);
  const roles = { current: ring.current.kid, ...(ring.next ? { next: ring.next.kid } : {}), ...(ring.previous ? { previous: ring.previous.kid } : {}) };
  return {
    secret: target.secretName,
    where: target.where,
    stage,
    keys: roles,
    published: publishedKeys(ring).map((key) => key.kid),
    signing: ring.current.kid,
    ...(ring.lastStep ? { lastStep: ring.lastStep } : {}),
    nextStep,
    ...(readyAt && readyAt > now ? { notBefore: readyAt.toISOString() } : {}),
    advice: ADVICE[stage]!,
  };
}

export async function oidcKeyStep(target: OidcKeyTarget, command: OidcKeyCommand, now = new Date()) {
  const ring = await readRing(target);
  const fresh = command === 'generate-next' ? await generateSigningJwk() : undefined;
  const rotated = rotateOidcKeys(ring, command, { now, cacheMs: target.cacheMs, generate: () => fresh! });
  await target.store.put(target.secretName, JSON.stringify(rotated));
  // Described from the ring just written: no second read of the secret.
  return { ran: command, ...statusOf(rotated, target, now) };
}
