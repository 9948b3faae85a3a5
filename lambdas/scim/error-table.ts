import type { ErrorKind } from '../http/errors';
import type { ErrorAnswer } from '../http/middlewares/error-answers';
import { LIMITS } from './discovery';
import { ScimError, scimErrorResponse, type ScimType } from './scim-error';

/** RFC 6750 §3: a 401 names the scheme, so clients know a bearer token is what is missing or wrong. */
const BEARER_CHALLENGE = 'Bearer realm="scim", error="invalid_token"';

/**
 * Every error kind as RFC 7644 §3.12 answers it. Record<> turns a new kind into a compile error until it is
 * mapped here. `internal` is answered without any detail of the cause (the pipeline logs it).
 */
export const SCIM_ERROR_TABLE: Record<ErrorKind, { readonly status: number; readonly scimType?: ScimType }> = {
  'not-found': { status: 404 },
  conflict: { status: 409, scimType: 'uniqueness' },
  'invalid-input': { status: 400, scimType: 'invalidValue' },
  'precondition-failed': { status: 412 },
  forbidden: { status: 403 },
  unauthorized: { status: 401 },
  'plan-required': { status: 403 },
  'too-many-requests': { status: 429 },
  'route-not-found': { status: 404 },
  'method-not-allowed': { status: 405 },
  'payload-too-large': { status: 413 },
  'malformed-request': { status: 400, scimType: 'invalidSyntax' },
  'unsupported-media-type': { status: 415 },
  internal: { status: 500 },
};

/** The SCIM surface's answer to any failure: its own ScimError as raised, anything else through the table. */
export const scimErrorAnswer: ErrorAnswer = (failure, error) => {
  if (error instanceof ScimError) return scimErrorResponse(error);
  const { status, scimType } = SCIM_ERROR_TABLE[failure.kind];
  const headers: Record<string, string> = {};
  if (failure.kind === 'unauthorized') headers['www-authenticate'] = BEARER_CHALLENGE;
  if (failure.retryAfterSec !== undefined) headers['retry-after'] = String(failure.retryAfterSec);
  if (failure.allow) headers.allow = failure.allow.join(', ');
  return scimErrorResponse(new ScimError(status, scimType, failure.message, { headers }));
};

/** Bodies above this are refused unread (413), as `/ServiceProviderConfig` declares. */
export const SCIM_MAX_BODY_BYTES = LIMITS.maxPayloadSize;
