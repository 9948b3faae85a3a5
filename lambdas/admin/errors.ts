import type { DomainErrorKind } from '../core/errors';
import { DomainError, TooManyRequestsError } from '../core/errors';
import type { Logger } from '../http/logger';
import type { HttpResult } from '../http/request';
import { json } from '../http/responses';

/** An error raised by the admin surface itself (bad request shape, unknown route); its message is safe to show. */
export class AdminHttpError extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'AdminHttpError';
  }
}

// Record<> turns a new DomainError kind into a compile error until it is mapped here.
const byKind: Record<DomainErrorKind, { status: number; code: string }> = {
  'not-found': { status: 404, code: 'not_found' },
  conflict: { status: 409, code: 'conflict' },
  'invalid-input': { status: 400, code: 'invalid_input' },
  'precondition-failed': { status: 412, code: 'precondition_failed' },
  forbidden: { status: 403, code: 'forbidden' },
  unauthorized: { status: 401, code: 'unauthorized' },
  'plan-required': { status: 402, code: 'plan_required' },
  'too-many-requests': { status: 429, code: 'too_many_requests' },
};

export const errorBody = (code: string, message: string, correlationId?: string) => ({ error: { code, message, ...(correlationId ? { correlationId } : {}) } });

/** Any thrown value → `{ error: { code, message } }`; unknown errors are logged and become a generic 500. */
export function toErrorResult(error: unknown, logger: Logger, correlationId: string): HttpResult {
  if (error instanceof AdminHttpError) return json(error.statusCode, errorBody(error.code, error.message), error.headers);
  if (error instanceof DomainError) {
    const { status, code } = byKind[error.kind];
    const headers: Record<string, string> = error instanceof TooManyRequestsError ? { 'retry-after': String(error.retryAfterSec) } : {};
    return json(status, errorBody(code, error.message), headers);
  }
  logger.error('unexpected error', { error, stack: error instanceof Error ? error.stack : undefined });
  return json(500, errorBody('internal', `internal error; quote correlation ID ${correlationId} when reporting it`, correlationId));
}
