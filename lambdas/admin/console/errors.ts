import { DomainError, type DomainErrorKind } from '../../core/errors';
import type { Logger } from '../../http/logger';
import type { HttpResult } from '../../http/request';
import { json } from '../../http/responses';

// Record<> makes a new DomainError kind a compile error until the console maps it.
const statusByKind: Record<DomainErrorKind, number> = {
  'not-found': 404,
  conflict: 409,
  'invalid-input': 400,
  'precondition-failed': 409,
  forbidden: 403,
  unauthorized: 401,
  'plan-required': 403,
  'too-many-requests': 429,
};

/** A request the console itself refuses (bad JSON, missing CSRF token, ...). */
export class ConsoleRequestError extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
    readonly field?: string,
  ) {
    super(message);
    this.name = 'ConsoleRequestError';
  }
}

export const apiError = (statusCode: number, code: string, message: string, field?: string): HttpResult =>
  json(statusCode, { error: { code, message, ...(field ? { field } : {}) } });

/** The console API's one error mapping: DomainError messages are shown as they are; anything else is a generic 500. */
export function toApiError(error: unknown, logger: Logger | undefined, correlationId: string): HttpResult {
  if (error instanceof ConsoleRequestError) return apiError(error.statusCode, error.code, sentence(error.message), error.field);
  if (error instanceof DomainError) return apiError(statusByKind[error.kind], error.kind, sentence(error.message));
  logger?.error('console request failed', { error, correlationId });
  return apiError(500, 'internal', `Something went wrong on our side. If it happens again, give your operator this reference: ${correlationId}.`);
}

/** Use-case messages are written as clauses ("metadata URL: …"); the console shows them as sentences. */
const sentence = (message: string): string => (message ? message[0]!.toUpperCase() + message.slice(1) : message);
