import { createHash, randomBytes } from 'node:crypto';

/** SHA-256 as lowercase hex: what we store in place of every secret (cookies, one-time codes, tokens, tickets). */
export const sha256Hex = (data: string | Buffer): string => createHash('sha256').update(data).digest('hex');

/** A fresh 256-bit secret, URL-safe. */
export const newSecret = (): string => randomBytes(32).toString('base64url');
