import type { ErrorKind } from '../http/errors';
import type { ErrorAnswer } from '../http/middlewares/error-answers';
import { json } from '../http/responses';

/** Token and logout forms are small; a request object or a huge form is refused unread. */
export const OIDC_MAX_BODY_BYTES = 64 * 1024;

/** What the pipeline itself refuses, as OAuth errors (RFC 6749 §5.2 shape); oidc-provider answers its own errors. */
const OIDC_ERROR_TABLE: Readonly<Record<ErrorKind, { status: number; error: string }>> = {
  'not-found': { status: 404, error: 'not_found' },
  conflict: { status: 409, error: 'invalid_request' },
  'invalid-input': { status: 400, error: 'invalid_request' },
  'precondition-failed': { status: 409, error: 'invalid_request' },
  forbidden: { status: 403, error: 'access_denied' },
  unauthorized: { status: 401, error: 'invalid_client' },
  'plan-required': { status: 403, error: 'access_denied' },
  'too-many-requests': { status: 429, error: 'temporarily_unavailable' },
  'route-not-found': { status: 404, error: 'not_found' },
  'method-not-allowed': { status: 405, error: 'invalid_request' },
  'payload-too-large': { status: 413, error: 'invalid_request' },
  'malformed-request': { status: 400, error: 'invalid_request' },
  'unsupported-media-type': { status: 415, error: 'invalid_request' },
  internal: { status: 500, error: 'server_error' },
};

export const oidcErrorAnswer: ErrorAnswer = (failure, _error, scope) => {
  const entry = OIDC_ERROR_TABLE[failure.kind];
  const description = failure.kind === 'internal' ? `internal error (reference ${scope.correlationId})` : failure.message;
  return json(entry.status, { error: entry.error, error_description: description }, failure.allow ? { allow: failure.allow.join(', ') } : {});
};
