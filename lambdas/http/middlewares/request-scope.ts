import type { MiddlewareObj } from '@middy/core';
import { cookiesOf } from '../cookies';
import type { Logger } from '../logger';
import { emitMetrics, type RequestMetrics } from '../metrics';
import { correlationIdOf, method, path, type HttpEvent, type HttpResult } from '../request';
import type { ParsedBody } from '../routes';

/** What the outer middlewares learn about a request, kept on the Lambda context for the ones after them. */
export interface RequestScope {
  readonly correlationId: string;
  readonly log: Logger;
  readonly method: string;
  readonly path: string;
  readonly cookies: Readonly<Record<string, string | undefined>>;
  readonly startedAt: number;
  body: ParsedBody;
}

export interface ScopedContext {
  scope?: RequestScope;
}

export function scopeOf(context: unknown): RequestScope {
  const scope = (context as ScopedContext | undefined)?.scope;
  if (!scope) throw new Error('request scope missing: requestScope() must be the first middleware');
  return scope;
}

/**
 * Correlation ID and logging: every request gets an ID (a well-formed inbound `x-correlation-id`, else the
 * platform's request ID), a child logger carrying it, and one access line when it ends (no query, no body), and the surface's request metrics (EMF) if it counts any.
 */
export function requestScope(logger: Logger, now: () => number = Date.now, metricsOf?: RequestMetrics): MiddlewareObj<HttpEvent, HttpResult> {
  const finish = (request: { context: unknown; response: HttpResult | null | undefined }): void => {
    const scope = (request.context as ScopedContext).scope;
    if (!scope) return;
    const status = request.response?.statusCode ?? 500;
    scope.log.debug('request', { method: scope.method, path: scope.path, status, ms: now() - scope.startedAt });
    if (metricsOf) emitMetrics(logger, metricsOf({ method: scope.method, path: scope.path, status }), { correlationId: scope.correlationId });
  };
  return {
    name: 'requestScope',
    before: (request) => {
      const correlationId = correlationIdOf(request.event);
      const context = (request.context ?? {}) as ScopedContext;
      request.context = context as typeof request.context;
      context.scope = {
        correlationId,
        log: logger.child({ correlationId }),
        method: method(request.event),
        path: path(request.event),
        cookies: cookiesOf(request.event),
        startedAt: now(),
        body: { kind: 'none' },
      };
    },
    after: finish,
    onError: finish,
  };
}
