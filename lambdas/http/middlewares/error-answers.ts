import type { MiddlewareObj } from '@middy/core';
import { failureOf, type Failure } from '../errors';
import type { HttpEvent, HttpResult } from '../request';
import { scopeOf, type RequestScope } from './request-scope';

/** A surface's one way of answering failures (its table, its format); `error` lets it answer its own protocol errors. */
export type ErrorAnswer = (failure: Failure, error: unknown, scope: RequestScope) => HttpResult;

/**
 * The only try/catch of a surface: every thrown error becomes the surface's answer. Unexpected errors are
 * logged with their stack and answered as `internal`, with the correlation ID and nothing of the cause.
 */
export function errorAnswers(answer: ErrorAnswer): MiddlewareObj<HttpEvent, HttpResult> {
  return {
    name: 'errorAnswers',
    onError: (request) => {
      const scope = scopeOf(request.context);
      const failure = failureOf(request.error);
      const result = answer(failure, request.error, scope);
      if (result.statusCode >= 500) scope.log.error('request failed', { error: request.error });
      else scope.log.info('request refused', { kind: failure.kind, status: result.statusCode });
      request.response = result;
    },
  };
}
