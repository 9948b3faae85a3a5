import { describe, expect, it } from 'vitest';
import { applyRotationStep, rotationAdvice, rotationStage, RotationOrderError, type RotatingKeyring, type RotationStep } from '../../lambdas/core/sso/sp-key-rotation';

const CACHE_MS = 5 * 60_000;
const T0 = new Date('2026-11-30T10:00:00.000Z');
const later = (date: Date, ms: number) => new Date(date.getTime() + ms);

/** Keys are opaque to the rule: names stand in for key pairs. */
function run(keyring: RotatingKeyring<string>, step: RotationStep, now: Date, made = 'k2'): RotatingKeyring<string> {
  return applyRotationStep(keyring, step, { now, cacheMs: CACHE_MS, generate: () => made });
}

function refusal(work: () => unknown): RotationOrderError {
  try {
    work();
  } catch (error) {
    if (error instanceof RotationOrderError) return error;
    throw error;
  }
  throw new Error('the step was not refused');
}

describe('SP key rotation rule', () => {
  it('goes generate → promote → retire, keeping the old key as previous through the overlap', () => {
    // Prepare
    const start: RotatingKeyring<string> = { current: 'k1' };
    // Act
    const generated = run(start, 'generate', T0);
    const promoted = run(generated, 'promote', later(T0, CACHE_MS));
    const retired = run(promoted, 'retire', later(T0, 2 * CACHE_MS));
    // Assess
    expect(generated).toEqual({ current: 'k1', next: 'k2', lastStep: { step: 'generate', at: T0.toISOString() } });
    expect(rotationStage(generated)).toBe('next-published');
    expect(promoted).toMatchObject({ current: 'k2', previous: 'k1' });
    expect(promoted.next).toBeUndefined();
    expect(rotationStage(promoted)).toBe('overlap');
    expect(retired).toMatchObject({ current: 'k2', lastStep: { step: 'retire' } });
    expect(retired.previous).toBeUndefined();
    expect(rotationStage(retired)).toBe('single');
  });

  it.each([
    [{ current: 'k1' }, 'promote', 'generate'],
    [{ current: 'k1' }, 'retire', 'generate'],
    [{ current: 'k1', next: 'k2' }, 'generate', 'promote'],
    [{ current: 'k1', next: 'k2' }, 'retire', 'promote'],
    [{ current: 'k2', previous: 'k1' }, 'generate', 'retire'],
    [{ current: 'k2', previous: 'k1' }, 'promote', 'retire'],
  ] as [RotatingKeyring<string>, RotationStep, RotationStep][])('refuses %o → %s, naming %s as the step to run first', (keyring, step, first) => {
    const error = refusal(() => run(keyring, step, T0));
    expect(error.runFirst).toBe(first);
    expect(error.message).toContain(`--step ${first}\` first`);
    expect(error.kind).toBe('precondition-failed');
  });

  it('refuses the next step while running SAML Lambdas may still cache the keyring, and says from when', () => {
    const generated = run({ current: 'k1' }, 'generate', T0);
    const error = refusal(() => run(generated, 'promote', later(T0, CACHE_MS - 1000)));
    expect(error.runFirst).toBeUndefined();
    expect(error.message).toContain(`promote can run from ${later(T0, CACHE_MS).toISOString()}`);
    expect(run(generated, 'promote', later(T0, CACHE_MS)).current).toBe('k2');
  });

  it('finishes a hand-edited ring holding both next and previous by retiring, without losing next', () => {
    const keyring: RotatingKeyring<string> = { current: 'k2', next: 'k3', previous: 'k1' };
    expect(rotationStage(keyring)).toBe('overlap');
    expect(run(keyring, 'retire', T0)).toMatchObject({ current: 'k2', next: 'k3' });
  });

  it('advises what admins must do before each step', () => {
    const single = rotationAdvice({ current: 'k1' }, { now: T0, cacheMs: CACHE_MS });
    expect(single).toMatchObject({ stage: 'single', nextStep: 'generate' });

    const generated = run({ current: 'k1' }, 'generate', T0);
    const waiting = rotationAdvice(generated, { now: later(T0, 1000), cacheMs: CACHE_MS });
    expect(waiting).toMatchObject({ stage: 'next-published', nextStep: 'promote', notBefore: later(T0, CACHE_MS).toISOString() });
    expect(waiting.advice.join(' ')).toMatch(/signed requests.*uploads the next certificate/);

    const overlap = rotationAdvice(run(generated, 'promote', later(T0, CACHE_MS)), { now: later(T0, 3 * CACHE_MS), cacheMs: CACHE_MS });
    expect(overlap).toMatchObject({ stage: 'overlap', nextStep: 'retire' });
    expect(overlap.notBefore).toBeUndefined();
    expect(overlap.advice.join(' ')).toMatch(/encrypt to the new certificate/);
  });
});
