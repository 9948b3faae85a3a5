import { PreconditionFailedError } from '../errors';

/**
 * The SP keyring's rotation rule, written once: which step may run when, and what it does.
 * Keys are opaque here (`K`): generating one, reading its certificate and storing the ring are the
 * caller's (saml/sp-credentials.ts, the operator CLI).
 *
 *   single ──generate──▶ next-published ──promote──▶ overlap ──retire──▶ single
 *   {current}            {current, next}             {current, previous}
 *
 * - next-published: metadata publishes both certificates, decryption tries both, signing uses `current`.
 * - overlap: the new key signs; the old one (`previous`) still decrypts and is still published, for
 *   IdPs that encrypt to it until they switch.
 */
export interface RotatingKeyring<K> {
  readonly current: K;
  readonly next?: K;
  readonly previous?: K;
  /** The last step that ran and when (ISO 8601): the next step waits for the SAML Lambda's cache. */
  readonly lastStep?: { readonly step: RotationStep; readonly at: string };
}

export type RotationStep = 'generate' | 'promote' | 'retire';
export const ROTATION_STEPS: readonly RotationStep[] = ['generate', 'promote', 'retire'];

export type RotationStage = 'single' | 'next-published' | 'overlap';

/** A step asked for out of order, or before the running Lambdas can have seen the previous one. */
export class RotationOrderError extends PreconditionFailedError {
  constructor(
    message: string,
    /** The step to run first, when another step is what is missing. */
    readonly runFirst?: RotationStep,
  ) {
    super(message);
  }
}

export function rotationStage(keyring: RotatingKeyring<unknown>): RotationStage {
  // A hand-edited ring with both `next` and `previous` is finished first: retire, then generate is refused until then.
  if (keyring.previous !== undefined) return 'overlap';
  if (keyring.next !== undefined) return 'next-published';
  return 'single';
}

/** The step that moves each stage on. */
export const STEP_AFTER: Record<RotationStage, RotationStep> = { single: 'generate', 'next-published': 'promote', overlap: 'retire' };

export interface RotationContext<K> {
  readonly now: Date;
  /** Makes a new key pair and certificate (only `generate` calls it). */
  readonly generate: () => K;
  /**
   * How long a running SAML Lambda may keep the keyring it read (SpKeyringProvider's cache): a step
   * that follows another sooner could meet a container that has not seen the first one.
   */
  readonly cacheMs: number;
  /** Who keeps the keyring for `cacheMs`, for the refusal's words. @default 'SAML Lambdas' */
  readonly holders?: string;
}

/** Runs one step, or throws RotationOrderError naming what to run (or wait for) first. */
export function applyRotationStep<K>(keyring: RotatingKeyring<K>, step: RotationStep, context: RotationContext<K>): RotatingKeyring<K> {
  const stage = rotationStage(keyring);
  const expected = STEP_AFTER[stage];
  if (step !== expected) throw new RotationOrderError(outOfOrder(step, stage), expected);
  const readyAt = readyForNextStepAt(keyring, context.cacheMs);
  if (readyAt && readyAt > context.now) {
    throw new RotationOrderError(
      `the ${keyring.lastStep!.step} step ran at ${keyring.lastStep!.at}; running ${context.holders ?? 'SAML Lambdas'} keep the keyring for up to ${Math.round(context.cacheMs / 1000)} s, so ${step} can run from ${readyAt.toISOString()}`,
    );
  }
  const lastStep = { step, at: context.now.toISOString() };
  switch (step) {
    case 'generate':
      return { current: keyring.current, next: context.generate(), lastStep };
    case 'promote':
      return { current: keyring.next!, previous: keyring.current, lastStep };
    case 'retire':
      return { current: keyring.current, ...(keyring.next !== undefined ? { next: keyring.next } : {}), lastStep };
  }
}

/** When the step after the last one may run (the last step plus the cache time); undefined when any time is fine. */
export function readyForNextStepAt(keyring: RotatingKeyring<unknown>, cacheMs: number): Date | undefined {
  if (!keyring.lastStep) return undefined;
  const at = Date.parse(keyring.lastStep.at);
  return Number.isNaN(at) ? undefined : new Date(at + cacheMs);
}

function outOfOrder(step: RotationStep, stage: RotationStage): string {
  const run = (first: RotationStep) => `run \`sp-key rotate --step ${first}\` first`;
  switch (stage) {
    case 'single':
      return step === 'promote' ? `there is no next key to promote: ${run('generate')}` : `there is no previous key to retire (no rotation is under way): ${run('generate')} to start one`;
    case 'next-published':
      return step === 'generate'
        ? `a next key already exists and is published: ${run('promote')} (once every IdP trusts it), or finish that rotation before starting another`
        : `the next key has not been promoted yet, so there is no previous key to retire: ${run('promote')}`;
    case 'overlap':
      return step === 'generate'
        ? `the previous key of the last rotation is still kept: ${run('retire')} (once every IdP encrypts to the new certificate)`
        : `the last promotion still keeps its previous key: ${run('retire')} before promoting again`;
  }
}

/** What an operator should do next, in words, for `sp-key status`. */
export function rotationAdvice(keyring: RotatingKeyring<unknown>, context: { now: Date; cacheMs: number }): { stage: RotationStage; nextStep: RotationStep; notBefore?: string; advice: string[] } {
  const stage = rotationStage(keyring);
  const nextStep = STEP_AFTER[stage];
  const readyAt = readyForNextStepAt(keyring, context.cacheMs);
  const notBefore = readyAt && readyAt > context.now ? readyAt.toISOString() : undefined;
  const wait = notBefore ? [`Running SAML Lambdas may still hold the keyring from before the last step: wait until ${notBefore}.`] : [];
  switch (stage) {
    case 'single':
      return { stage, nextStep, notBefore, advice: ['No rotation under way. To start one: sp-key rotate --step generate (publishes a next certificate; nothing else changes).'] };
    case 'next-published':
      return {
        stage,
        nextStep,
        notBefore,
        advice: [
          ...wait,
          'The SP metadata now publishes the current and the next certificate; decryption accepts both; AuthnRequests are still signed with the current key.',
          'Before promote, every IdP that verifies signed AuthnRequests must trust the next certificate. Okta and Entra do not re-read SP metadata by themselves: each tenant admin who enabled signed requests (Okta: Signature Certificate; Entra: Verification certificates) or assertion encryption uploads the next certificate (or re-imports our metadata). Tell tenant admins, then wait for them.',
          'Then: sp-key rotate --step promote.',
        ],
      };
    case 'overlap':
      return {
        stage,
        nextStep,
        notBefore,
        advice: [
          ...wait,
          'The new key signs; the previous key still decrypts and is still published, for IdPs that encrypt assertions to it.',
          'Before retire, every IdP that encrypts assertions must encrypt to the new certificate (Okta: Assertion Encryption certificate; Entra: Token encryption), and admins may remove the previous certificate from their IdP afterwards.',
          'Then: sp-key rotate --step retire (the previous key stops decrypting and leaves the metadata).',
        ],
      };
  }
}
