import { DomainError, TooManyRequestsError, type DomainErrorKind } from '../core/errors';

/** What can be wrong with a request before any rule sees it: the pipeline's own refusals. */
export type RequestErrorKind =
  | 'route-not-found'
  | 'method-not-allowed'
  | 'payload-too-large'
  | 'malformed-request'
  | 'unsupported-media-type';

/** Every kind a surface's error table must answer; `internal` is anything unexpected (a bug or an outage). */
export type ErrorKind = DomainErrorKind | RequestErrorKind | 'internal';

export const ERROR_KINDS: readonly ErrorKind[] = [
  'not-found',
  'conflict',
  'invalid-input',
  'precondition-failed',
  'forbidden',
  'unauthorized',
  'plan-required',
  'too-many-requests',
  'route-not-found',
  'method-not-allowed',
  'payload-too-large',
  'malformed-request',
  'unsupported-media-type',
  'internal',
];

/** A request the pipeline refuses before routing or validation; the message is ours, never the sender's text. */
export class RequestError extends Error {
  constructor(
    readonly kind: RequestErrorKind,
    message: string,
    readonly details: { readonly allow?: readonly string[]; readonly field?: string } = {},
  ) {
    super(message);
    this.name = 'RequestError';
  }
}

/** An error reduced to what a surface needs to answer it. `message` is safe to show; `internal` hides the cause. */
export interface Failure {
  readonly kind: ErrorKind;
  readonly message: string;
  readonly retryAfterSec?: number;
  readonly allow?: readonly string[];
  readonly field?: string;
}

export function failureOf(error: unknown): Failure {
  if (error instanceof RequestError) return { kind: error.kind, message: error.message, ...error.details };
  if (error instanceof DomainError) {
    return { kind: error.kind, message: error.message, ...(error instanceof TooManyRequestsError ? { retryAfterSec: error.retryAfterSec } : {}) };
  }
  return { kind: 'internal', message: 'internal error' };
}
