import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** SHA-256 as lowercase hex: what we store in place of every secret (cookies, one-time codes, tokens, tickets). */
export const sha256Hex = (data: string | Buffer): string => createHash('sha256').update(data).digest('hex');

/**
 * Whether two secrets (tokens, hashes) are equal, in time that does not depend on where they differ. Lengths
 * are compared in bytes: a presented value of the right length in characters but not in bytes is unequal, not an error.
 */
export function sameSecret(expected: string, presented: string): boolean {
  const [a, b] = [Buffer.from(expected), Buffer.from(presented)];
  return a.length === b.length && timingSafeEqual(a, b);
}

/** A fresh 256-bit secret, URL-safe. */
export const newSecret = (): string => randomBytes(32).toString('base64url');
