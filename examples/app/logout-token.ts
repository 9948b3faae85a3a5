import { errors, jwtVerify, type JWTVerifyGetKey } from 'jose';

const BACKCHANNEL_LOGOUT_EVENT = 'http://schemas.openid.net/event/backchannel-logout';
/** Asymmetric algorithms only: `none` and the HMAC family (keyed with the client secret) are refused. */
const ALLOWED_ALGORITHMS = ['RS256', 'PS256', 'ES256', 'EdDSA'];

export interface LogoutToken {
  readonly jti: string;
  readonly sub?: string;
  readonly sid?: string;
}

/** A refused logout token; `reason` is our own fixed wording, never text from the token. */
export class LogoutTokenError extends Error {
  constructor(readonly reason: string) {
    super(reason);
  }
}

/** The issuer's JWKS could not be fetched: not the token's fault, so the sender should retry. */
export class IssuerKeysUnavailableError extends Error {}

/**
 * Validates a logout token as OpenID Connect Back-Channel Logout 1.0 §2.6 asks: a signed JWT from our issuer
 * for this client (iss, aud, signature against the issuer's JWKS, iat and exp), with a jti, the
 * back-channel-logout member in `events`, a `sub` or a `sid`, and no `nonce` (so an ID token can't pass).
 */
export async function verifyLogoutToken(
  token: string,
  keys: JWTVerifyGetKey,
  expected: { readonly issuer: string; readonly clientId: string },
): Promise<LogoutToken> {
  let payload;
  try {
    ({ payload } = await jwtVerify(token, keys, {
      issuer: expected.issuer,
      audience: expected.clientId,
      algorithms: ALLOWED_ALGORITHMS,
      requiredClaims: ['iat', 'exp', 'jti', 'events'],
      clockTolerance: 60,
    }));
  } catch (error) {
    if (!(error instanceof errors.JOSEError) || error instanceof errors.JWKSTimeout || error instanceof errors.JWKSInvalid) {
      throw new IssuerKeysUnavailableError("the issuer's keys could not be fetched");
    }
    throw new LogoutTokenError(describeJoseError(error));
  }
  const events = payload.events;
  const logoutEvent = events && typeof events === 'object' ? (events as Record<string, unknown>)[BACKCHANNEL_LOGOUT_EVENT] : undefined;
  if (!logoutEvent || typeof logoutEvent !== 'object' || Array.isArray(logoutEvent)) throw new LogoutTokenError('the events claim has no back-channel logout event');
  if ('nonce' in payload) throw new LogoutTokenError('a logout token must not carry a nonce');
  const sub = typeof payload.sub === 'string' && payload.sub !== '' ? payload.sub : undefined;
  const sid = typeof payload.sid === 'string' && payload.sid !== '' ? payload.sid : undefined;
  if (!sub && !sid) throw new LogoutTokenError('the token names neither a sub nor a sid');
  if (typeof payload.jti !== 'string' || payload.jti === '') throw new LogoutTokenError('the jti claim is missing');
  return { jti: payload.jti, sub, sid };
}

function describeJoseError(error: unknown): string {
  if (error instanceof errors.JWTExpired) return 'the token has expired';
  if (error instanceof errors.JWTClaimValidationFailed) return `the ${error.claim} claim is missing or wrong`;
  if (error instanceof errors.JOSEAlgNotAllowed || error instanceof errors.JOSENotSupported) return 'the token is not signed with an allowed algorithm';
  if (error instanceof errors.JWKSNoMatchingKey || error instanceof errors.JWSSignatureVerificationFailed) return "the signature does not verify with the issuer's keys";
  if (error instanceof errors.JWSInvalid || error instanceof errors.JWTInvalid) return 'not a signed JWT';
  return 'the token could not be verified';
}
