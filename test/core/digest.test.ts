import { describe, expect, it } from 'vitest';
import { sameSecret, sha256Hex } from '../../lambdas/core/digest';

describe('sameSecret', () => {
  it('is true only for the same value, and false (never an error) for values of equal character but unequal byte length', () => {
    const token = sha256Hex('a session');
    expect(sameSecret(token, sha256Hex('a session'))).toBe(true);
    expect(sameSecret(token, sha256Hex('another'))).toBe(false);
    expect(sameSecret(token, token.slice(1))).toBe(false);
    expect(sameSecret(token, 'é' + token.slice(1))).toBe(false);
    expect(sameSecret('', '')).toBe(true);
  });
});
