import { toHttpEvent } from '../../local/http-bridge';
import type { HttpEvent } from '../../lambdas/http/request';

export interface EventInput {
  /** e.g. `api.natoma.test` or `127.0.0.1:3001`. @default 'api.natoma.test' */
  readonly host?: string;
  readonly headers?: Record<string, string>;
  readonly query?: Record<string, string>;
  readonly cookies?: readonly string[];
  /** A form post. */
  readonly form?: Record<string, string>;
  /** A JSON body (`content-type` defaults to application/json). */
  readonly json?: unknown;
  /** A body exactly as sent; set `content-type` in `headers`. */
  readonly body?: string | Buffer;
  /** The Lambda authorizer context a Function URL with AWS_IAM auth adds. */
  readonly authorizer?: HttpEvent['requestContext']['authorizer'];
  /** API Gateway's route key; the twin fills it from its route table. @default '$default' */
  readonly routeKey?: string;
  readonly pathParameters?: Record<string, string>;
}

/**
 * An HTTP event built by the very code the twin uses for real requests (`toHttpEvent`), so the tests
 * and the twin cannot disagree on what API Gateway and Function URLs deliver.
 */
export function httpEvent(method: string, target: string, input: EventInput = {}): HttpEvent {
  const host = input.host ?? 'api.natoma.test';
  const headers: Record<string, string> = { host, ...lowerKeys(input.headers ?? {}) };
  let body: Buffer = Buffer.alloc(0);
  if (input.form) {
    headers['content-type'] ??= 'application/x-www-form-urlencoded';
    body = Buffer.from(new URLSearchParams(input.form).toString());
  } else if (input.json !== undefined) {
    headers['content-type'] ??= 'application/json';
    body = Buffer.from(JSON.stringify(input.json));
  } else if (input.body !== undefined) {
    body = Buffer.isBuffer(input.body) ? input.body : Buffer.from(input.body);
  }
  const query = input.query ? new URLSearchParams(input.query).toString() : '';
  const url = query ? `${target}${target.includes('?') ? '&' : '?'}${query}` : target;
  const rawHeaders = Object.entries(headers).flat();
  if (input.cookies && input.cookies.length > 0) rawHeaders.push('cookie', input.cookies.join('; '));
  return toHttpEvent(
    { method, url, rawHeaders, httpVersion: '1.1', sourceIp: '127.0.0.1', body },
    { route: { routeKey: input.routeKey ?? '$default', ...(input.pathParameters ? { pathParameters: input.pathParameters } : {}) }, domainName: host, authorizer: input.authorizer },
  );
}

const lowerKeys = (headers: Record<string, string>): Record<string, string> =>
  Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
