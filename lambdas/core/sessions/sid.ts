import { sha256Hex } from '../digest';

/** The OIDC `sid` of an app session: derived from its stored hash, so it names the session without revealing the cookie. */
export const oidcSid = (sessionHash: string): string => sha256Hex('oidc-sid:' + sessionHash).slice(0, 32);
