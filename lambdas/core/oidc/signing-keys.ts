import { applyRotationStep, RotationOrderError, rotationStage, type RotatingKeyring, type RotationStep } from '../sso/sp-key-rotation';

/**
 * The OIDC signing key ring (secret `OIDC_SIGNING_KEY_SECRET`): RS256 private JWKs, rotated by the same rule as
 * the SP keys (core/sso/sp-key-rotation.ts): generate-next publishes a key in the JWKS before it signs,
 * promote makes it sign and keeps the old one published as `previous` (tokens it signed still verify),
 * retire-previous drops the old one. `cookieKeys` sign oidc-provider's cookies (newest first).
 */
export interface SigningJwk {
  readonly kty: 'RSA';
  readonly kid: string;
  readonly alg: 'RS256';
  readonly use: 'sig';
  readonly [member: string]: unknown;
}

export type OidcKeyRing = RotatingKeyring<SigningJwk> & { readonly cookieKeys: readonly string[] };

export const OIDC_KEY_STEPS = { 'generate-next': 'generate', promote: 'promote', 'retire-previous': 'retire' } as const satisfies Record<string, RotationStep>;
export type OidcKeyCommand = keyof typeof OIDC_KEY_STEPS;

/** How long a running OIDC Lambda keeps the ring it read: the next step waits this long. */
export const OIDC_KEYRING_CACHE_MS = 5 * 60 * 1000;

/** Keys the JWKS publishes: current first (the only one that signs), then next, then previous. */
export function publishedKeys(ring: OidcKeyRing): SigningJwk[] {
  return [ring.current, ring.next, ring.previous].filter((key): key is SigningJwk => key !== undefined);
}

/** One rotation step on the ring; RotationOrderError words the order in oidc-key terms. */
export function rotateOidcKeys(ring: OidcKeyRing, command: OidcKeyCommand, context: { now: Date; cacheMs: number; generate: () => SigningJwk }): OidcKeyRing {
  try {
    const rotated = applyRotationStep<SigningJwk>(ring, OIDC_KEY_STEPS[command], { ...context, holders: 'OIDC Lambdas' });
    return { ...rotated, cookieKeys: ring.cookieKeys };
  } catch (error) {
    if (!(error instanceof RotationOrderError)) throw error;
    const first = error.runFirst ? (Object.keys(OIDC_KEY_STEPS) as OidcKeyCommand[]).find((name) => OIDC_KEY_STEPS[name] === error.runFirst) : undefined;
    const message = first ? `cannot ${command} now (stage: ${rotationStage(ring)}): run \`oidc-key ${first}\` first` : error.message;
    throw new RotationOrderError(message, error.runFirst);
  }
}

/** Private members of an RSA JWK: never published. */
const PRIVATE = new Set(['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth']);
export const publicJwk = (jwk: SigningJwk): SigningJwk => Object.fromEntries(Object.entries(jwk).filter(([name]) => !PRIVATE.has(name))) as SigningJwk;

/** Reads a stored ring, refusing anything else loudly (a hand edit gone wrong must not sign with garbage). */
export function parseOidcKeyRing(text: string): OidcKeyRing {
  const ring = JSON.parse(text) as Partial<OidcKeyRing>;
  const isKey = (key: unknown): key is SigningJwk => typeof key === 'object' && key !== null && (key as SigningJwk).kty === 'RSA' && typeof (key as SigningJwk).kid === 'string' && typeof (key as { d?: unknown }).d === 'string';
  if (!isKey(ring.current)) throw new Error('the OIDC signing key secret has no valid current key');
  if ((ring.next && !isKey(ring.next)) || (ring.previous && !isKey(ring.previous))) throw new Error('the OIDC signing key secret has a malformed next or previous key');
  if (!Array.isArray(ring.cookieKeys) || ring.cookieKeys.length === 0 || !ring.cookieKeys.every((key) => typeof key === 'string' && key.length >= 32)) {
    throw new Error('the OIDC signing key secret has no cookieKeys');
  }
  return ring as OidcKeyRing;
}
