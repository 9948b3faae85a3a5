import { ForbiddenError, InvalidInputError } from '../core/errors';
import type { ErrorKind, Failure } from '../http/errors';
import type { ErrorAnswer } from '../http/middlewares/error-answers';
import type { RequestScope } from '../http/middlewares/request-scope';
import { json } from '../http/responses';
import { consoleErrorPage } from './console/page-kit';

/** One body limit for the whole admin Lambda: IdP metadata XML is the largest body either API takes. */
export const ADMIN_MAX_BODY_BYTES = 1024 * 1024;

/**
 * The admin Lambda's one error table: the operator API and the console answer every error kind with the
 * same status and the same code (Record<> makes a new kind a compile error until it is mapped here).
 */
export const ADMIN_ERROR_TABLE: Record<ErrorKind, { readonly status: number; readonly code: string; readonly title: string }> = {
  'not-found': { status: 404, code: 'not_found', title: 'Not found' },
  conflict: { status: 409, code: 'conflict', title: 'Conflict' },
  'invalid-input': { status: 400, code: 'invalid_input', title: 'Not valid' },
  'precondition-failed': { status: 412, code: 'precondition_failed', title: 'Not possible yet' },
  forbidden: { status: 403, code: 'forbidden', title: 'Not allowed' },
  unauthorized: { status: 401, code: 'unauthorized', title: 'Sign in again' },
  'plan-required': { status: 402, code: 'plan_required', title: 'Upgrade needed' },
  'too-many-requests': { status: 429, code: 'too_many_requests', title: 'Too many requests' },
  'route-not-found': { status: 404, code: 'not_found', title: 'Not found' },
  'method-not-allowed': { status: 405, code: 'method_not_allowed', title: 'Method not allowed' },
  'payload-too-large': { status: 413, code: 'payload_too_large', title: 'Too large' },
  'malformed-request': { status: 400, code: 'malformed_request', title: 'Bad request' },
  'unsupported-media-type': { status: 415, code: 'unsupported_media_type', title: 'Unsupported media type' },
  internal: { status: 500, code: 'internal', title: 'Something went wrong' },
};

/** The console refuses a state change that did not come from the console itself; the code says which check failed. */
export class ConsoleRefusedError extends ForbiddenError {
  constructor(
    readonly code: 'csrf' | 'origin',
    message: string,
  ) {
    super(message);
  }
}

/** Invalid input that names the form field it concerns, so the console shows the message beside that field. */
export class FieldError extends InvalidInputError {
  constructor(
    message: string,
    readonly field: string | undefined,
  ) {
    super(message);
  }
}

/** A deployment without PUBLIC_BASE_URL cannot build SAML/SCIM URLs: the operator gets a 503 that says so. */
export class NotConfiguredError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NotConfiguredError';
  }
}

const JSON_PATHS = /^\/(operator|api|health)(\/|$)/;

/** The operator API's paths (served on the IAM URL); everything else but /health belongs to the console. */
export const isOperatorPath = (path: string): boolean => path === '/operator' || path.startsWith('/operator/');

/** API routes answer `{ error: { code, message, field? } }`; console pages answer a plain page in words. */
export const adminErrorAnswer: ErrorAnswer = (failure, error, scope) => {
  if (error instanceof NotConfiguredError) return json(503, { error: { code: 'not_configured', message: error.message } });
  const entry = ADMIN_ERROR_TABLE[failure.kind];
  const code = error instanceof ConsoleRefusedError ? error.code : entry.code;
  const forConsole = !isOperatorPath(scope.path);
  const message = messageOf(failure, scope, forConsole);
  const field = failure.field ?? (error instanceof FieldError ? error.field : undefined);
  const headers = headersOf(failure);
  if (!JSON_PATHS.test(scope.path)) {
    const page = consoleErrorPage(entry.status, entry.title, message);
    return { ...page, headers: { ...page.headers, ...headers } };
  }
  const body = { error: { code, message, ...(field ? { field } : {}), ...(failure.kind === 'internal' ? { correlationId: scope.correlationId } : {}) } };
  return json(entry.status, body, headers);
};

function messageOf(failure: Failure, scope: RequestScope, forConsole: boolean): string {
  if (failure.kind === 'internal') {
    return forConsole
      ? `Something went wrong on our side. If it happens again, give your operator this reference: ${scope.correlationId}.`
      : `internal error; quote correlation ID ${scope.correlationId} when reporting it`;
  }
  // Use-case messages are written as clauses ("metadata URL: …"); the console shows them as sentences.
  return forConsole && failure.message ? failure.message[0]!.toUpperCase() + failure.message.slice(1) : failure.message;
}

function headersOf(failure: Failure): Record<string, string> {
  const headers: Record<string, string> = {};
  if (failure.retryAfterSec !== undefined) headers['retry-after'] = String(failure.retryAfterSec);
  if (failure.allow) headers.allow = failure.allow.join(', ');
  return headers;
}
