export type DomainErrorKind =
  | 'not-found'
  | 'conflict'
  | 'invalid-input'
  | 'precondition-failed'
  | 'forbidden'
  | 'unauthorized'
  | 'plan-required'
  | 'too-many-requests';

/** An expected failure whose message is safe to show the caller: it never carries a secret. */
export abstract class DomainError extends Error {
  abstract readonly kind: DomainErrorKind;
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
  }
}

export class NotFoundError extends DomainError {
  readonly kind = 'not-found';
}
export class ConflictError extends DomainError {
  readonly kind = 'conflict';
}
export class InvalidInputError extends DomainError {
  readonly kind = 'invalid-input';
}
/** A write was based on a stale version (optimistic concurrency, HTTP If-Match). */
export class PreconditionFailedError extends DomainError {
  readonly kind = 'precondition-failed';
}
export class ForbiddenError extends DomainError {
  readonly kind = 'forbidden';
}
export class UnauthorizedError extends DomainError {
  readonly kind = 'unauthorized';
}
/** The tenant's plan does not include what was asked; the message names the upgrade. */
export class PlanRequiredError extends DomainError {
  readonly kind = 'plan-required';
}
export class TooManyRequestsError extends DomainError {
  readonly kind = 'too-many-requests';
  constructor(
    message: string,
    readonly retryAfterSec: number,
  ) {
    super(message);
  }
}
