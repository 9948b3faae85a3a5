import middy from '@middy/core';
import httpRouterHandler from '@middy/http-router';
import type { Context } from 'aws-lambda';
import { RequestError } from './errors';
import type { Logger } from './logger';
import type { RequestMetrics } from './metrics';
import { bodyParser } from './middlewares/body';
import { errorAnswers, type ErrorAnswer } from './middlewares/error-answers';
import { requestScope, scopeOf } from './middlewares/request-scope';
import { securityHeaders } from './middlewares/security-headers';
import type { HttpEvent, HttpResult } from './request';
import type { Route, RouteRequest } from './routes';

export type HttpHandler = (event: HttpEvent, context?: unknown) => Promise<HttpResult>;

export interface PipelineOptions {
  readonly logger: Logger;
  readonly routes: readonly Route[];
  /** The surface's error table, rendered in its format (JSON, RFC 7644, an HTML page). */
  readonly answerError: ErrorAnswer;
  /** Bodies above this are refused unread (413). */
  readonly maxBodyBytes: number;
  /** Deployed surfaces are reached over https (HSTS); the twin is not. */
  readonly https: boolean;
  readonly now?: () => number;
  /** The surface's business metrics for a finished request (EMF lines, metrics.ts). @default - none */
  readonly requestMetrics?: RequestMetrics;
}

/**
 * The one request pipeline every HTTP surface is built on:
 * request scope (correlation ID, logger) → security headers → error table → body limit and parsing → router.
 * middy runs `after`/`onError` in reverse, so headers are added to error answers too.
 */
export function httpPipeline(options: PipelineOptions): HttpHandler {
  const router = httpRouterHandler({
    routes: options.routes.flatMap((entry) => {
      const handler = (event: HttpEvent, context: Context) => entry.handler(routeRequestOf(event, context));
      const own = { method: entry.method, path: entry.path, handler };
      return entry.method === 'GET' ? [own, { ...own, method: 'HEAD' as const }] : [own];
    }),
    notFoundResponse: ({ method, path }) => {
      const allow = allowedMethods(options.routes, path);
      if (allow.length > 0 && !allow.includes(method)) throw new RequestError('method-not-allowed', `${method} is not allowed here; use ${allow.join(' or ')}`, { allow });
      throw new RequestError('route-not-found', 'there is nothing at this address');
    },
  });
  const handler = middy<HttpEvent, HttpResult>({ timeoutEarlyInMillis: 0 })
    .use(requestScope(options.logger, options.now, options.requestMetrics))
    .use(securityHeaders({ https: options.https }))
    .use(errorAnswers(options.answerError))
    .use(bodyParser({ maxBytes: options.maxBodyBytes }))
    .handler(router as unknown as (event: HttpEvent, context: Context) => Promise<HttpResult>);
  return (event, context) => handler(event, (context ?? {}) as Context);
}

function routeRequestOf(event: HttpEvent, context: Context): RouteRequest {
  const scope = scopeOf(context);
  const params: Record<string, string> = {};
  for (const [name, raw] of Object.entries(event.pathParameters ?? {})) {
    try {
      params[name] = decodeURIComponent(raw ?? '');
    } catch {
      throw new RequestError('malformed-request', `the ${name} in the address is not valid percent-encoding`);
    }
  }
  return {
    event,
    method: scope.method,
    path: scope.path,
    params,
    query: event.queryStringParameters ?? {},
    cookies: scope.cookies,
    body: scope.body,
    correlationId: scope.correlationId,
    log: scope.log,
  };
}

// Same template syntax as @middy/http-router, used only to tell 405 from 404 after the router missed.
const templates = new WeakMap<readonly Route[], { method: string; regex: RegExp }[]>();
function allowedMethods(routes: readonly Route[], path: string): string[] {
  let compiled = templates.get(routes);
  if (!compiled) {
    compiled = routes.map((entry) => {
      const source = entry.path
        .replace(/[.*+?^$()|[\]\\]/g, '\\$&')
        .replace(/\/\{proxy\+\}$/, '/?.*')
        .replace(/\/\{[^/]+\}/g, '/[^/]+');
      return { method: entry.method, regex: new RegExp(`^${source}/?$`) };
    });
    templates.set(routes, compiled);
  }
  const allow = new Set<string>();
  for (const entry of compiled) if (entry.regex.test(path)) allow.add(entry.method);
  if (allow.has('GET')) allow.add('HEAD');
  return [...allow];
}
