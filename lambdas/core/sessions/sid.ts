import { sha256Hex } from '../digest';

/** The OIDC `sid` of a natoma app session: stable for the session, reveals nothing of its cookie (contract C1). */
export const oidcSid = (sessionHash: string): string => sha256Hex('oidc-sid:' + sessionHash).slice(0, 32);
