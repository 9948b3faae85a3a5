import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { HttpEvent, HttpResult } from '../lambdas/http/request';

/** API Gateway HTTP API rejects larger payloads with 413 before the Lambda runs. */
export const API_GATEWAY_MAX_BODY_BYTES = 10 * 1024 * 1024;
/** Lambda Function URLs (synchronous invoke) accept up to 6 MB. */
export const FUNCTION_URL_MAX_BODY_BYTES = 6 * 1024 * 1024;

/** One API Gateway route: `{name}` is one segment, a trailing `{name+}` is greedy. */
export interface RouteSpec {
  /** `ANY` or an HTTP method. */
  readonly method: string;
  readonly path: string;
}

export interface RouteMatch {
  /** e.g. `POST /saml/{tenantId}/acs`, or `$default` (Function URLs). */
  readonly routeKey: string;
  readonly pathParameters?: Record<string, string>;
}

export class BodyTooLargeError extends Error {
  constructor(readonly limit: number) {
    super(`request body larger than ${limit} bytes`);
  }
}

/** What the bridge needs of a Node request (kept small so that tests can build one by hand). */
export interface RawRequest {
  readonly method: string;
  /** Path and query exactly as received, e.g. `/a%20b?x=1&x=2`. */
  readonly url: string;
  /** Alternating names and values, as Node's `IncomingMessage.rawHeaders`. */
  readonly rawHeaders: readonly string[];
  readonly httpVersion: string;
  readonly sourceIp: string;
  readonly body: Buffer;
}

export interface EventOptions {
  readonly route: RouteMatch;
  /** `requestContext.domainName`; the Host header when absent. */
  readonly domainName?: string;
  readonly localPort?: number;
  readonly authorizer?: HttpEvent['requestContext']['authorizer'];
  readonly accountId?: string;
  readonly apiId?: string;
  readonly now?: Date;
  readonly requestId?: string;
}

// Content types API Gateway and Function URLs pass as text; every other body arrives base64-encoded
// (so does a form post: handlers must read bodies through bodyText()).
const TEXT_TYPE = /^(?:text\/[^;]+|application\/(?:json|xml|javascript|yaml|[\w.-]+\+(?:json|xml)))\s*(?:;|$)/i;
export const isTextContentType = (contentType: string | undefined): boolean => contentType !== undefined && TEXT_TYPE.test(contentType.trim());

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const two = (n: number) => String(n).padStart(2, '0');
/** `12/Mar/2020:19:03:58 +0000`, as requestContext.time. */
export function apiGatewayTime(date: Date): string {
  return `${two(date.getUTCDate())}/${MONTHS[date.getUTCMonth()]}/${date.getUTCFullYear()}:${two(date.getUTCHours())}:${two(date.getUTCMinutes())}:${two(date.getUTCSeconds())} +0000`;
}

function safeDecode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

/** The route API Gateway would pick: exact segments win over `{param}`, which win over a greedy `{proxy+}`. */
export function matchRoute(routes: readonly RouteSpec[], method: string, path: string): RouteMatch | undefined {
  const segments = path.split('/').slice(1);
  let best: { match: RouteMatch; score: number } | undefined;
  for (const route of routes) {
    if (route.method !== 'ANY' && route.method !== method) continue;
    const pattern = route.path.split('/').slice(1);
    const params: Record<string, string> = {};
    let score = 0;
    let ok = true;
    for (let i = 0; i < pattern.length && ok; i++) {
      const part = pattern[i]!;
      const greedy = /^\{(\w+)\+\}$/.exec(part);
      if (greedy) {
        const rest = segments.slice(i);
        if (i !== pattern.length - 1 || rest.length === 0 || rest.join('/') === '') ok = false;
        else params[greedy[1]!] = safeDecode(rest.join('/'));
        score += 1;
        break;
      }
      const segment = segments[i];
      if (segment === undefined || segment === '') {
        ok = false;
        break;
      }
      const param = /^\{(\w+)\}$/.exec(part);
      if (param) {
        params[param[1]!] = safeDecode(segment);
        score += 10;
      } else if (part === segment) {
        score += 100;
      } else {
        ok = false;
      }
      if (i === pattern.length - 1 && segments.length !== pattern.length) ok = false;
    }
    if (!ok) continue;
    if (route.method !== 'ANY') score += 1;
    if (!best || score > best.score) {
      const match: RouteMatch = { routeKey: `${route.method} ${route.path}`, ...(Object.keys(params).length > 0 ? { pathParameters: params } : {}) };
      best = { match, score };
    }
  }
  return best?.match;
}

/** Reads a request body, failing fast (without buffering the rest) once it exceeds `limit`. */
export function readBody(request: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(request.headers['content-length']);
    if (Number.isFinite(declared) && declared > limit) return reject(new BodyTooLargeError(limit));
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        request.removeAllListeners('data');
        request.resume();
        reject(new BodyTooLargeError(limit));
        return;
      }
      chunks.push(chunk);
    });
    request.on('end', () => resolve(Buffer.concat(chunks)));
    request.on('error', reject);
  });
}

/** Turns one HTTP request into the payload format 2.0 event API Gateway HTTP APIs and Function URLs deliver. */
export function toHttpEvent(request: RawRequest, options: EventOptions): HttpEvent {
  const now = options.now ?? new Date();
  const query = request.url.indexOf('?');
  const rawPath = query < 0 ? request.url : request.url.slice(0, query);
  const rawQueryString = query < 0 ? '' : request.url.slice(query + 1);

  // Repeated headers are joined with commas; cookies move out of the headers into `cookies`.
  const headers: Record<string, string> = {};
  const cookies: string[] = [];
  for (let i = 0; i + 1 < request.rawHeaders.length; i += 2) {
    const name = request.rawHeaders[i]!.toLowerCase();
    const value = request.rawHeaders[i + 1]!;
    if (name === 'cookie') {
      for (const part of value.split(';')) if (part.trim() !== '') cookies.push(part.trim());
      continue;
    }
    headers[name] = name in headers ? `${headers[name]},${value}` : value;
  }
  const domainName = options.domainName ?? headers.host ?? 'localhost';
  const requestId = options.requestId ?? randomBytes(12).toString('base64url');
  headers['x-forwarded-for'] = headers['x-forwarded-for'] ? `${headers['x-forwarded-for']}, ${request.sourceIp}` : request.sourceIp;
  headers['x-forwarded-proto'] ??= 'http';
  if (options.localPort !== undefined) headers['x-forwarded-port'] ??= String(options.localPort);
  headers['x-amzn-trace-id'] ??= `Root=1-${Math.floor(now.getTime() / 1000).toString(16)}-${randomBytes(12).toString('hex')}`;

  let queryStringParameters: Record<string, string> | undefined;
  if (rawQueryString !== '') {
    queryStringParameters = {};
    for (const [key, value] of new URLSearchParams(rawQueryString)) {
      queryStringParameters[key] = key in queryStringParameters ? `${queryStringParameters[key]},${value}` : value;
    }
  }

  const hasBody = request.body.length > 0;
  const text = isTextContentType(headers['content-type']);
  const event: HttpEvent = {
    version: '2.0',
    routeKey: options.route.routeKey,
    rawPath,
    rawQueryString,
    headers,
    requestContext: {
      accountId: options.accountId ?? 'anonymous',
      apiId: options.apiId ?? 'local',
      domainName,
      domainPrefix: domainName.split('.')[0]!.split(':')[0]!,
      http: {
        method: request.method.toUpperCase(),
        path: rawPath,
        protocol: `HTTP/${request.httpVersion}`,
        sourceIp: request.sourceIp,
        userAgent: headers['user-agent'] ?? '',
      },
      requestId,
      routeKey: options.route.routeKey,
      stage: '$default',
      time: apiGatewayTime(now),
      timeEpoch: now.getTime(),
      ...(options.authorizer ? { authorizer: options.authorizer } : {}),
    },
    isBase64Encoded: hasBody && !text,
  };
  if (cookies.length > 0) event.cookies = cookies;
  if (queryStringParameters) event.queryStringParameters = queryStringParameters;
  if (options.route.pathParameters) event.pathParameters = options.route.pathParameters;
  if (hasBody) event.body = text ? request.body.toString('utf8') : request.body.toString('base64');
  return event;
}

/** Writes a handler's result the way API Gateway does: each cookie its own Set-Cookie, base64 bodies decoded. */
export function writeHttpResult(response: ServerResponse, result: HttpResult): void {
  const body = result.body === undefined ? Buffer.alloc(0) : Buffer.from(result.body, result.isBase64Encoded ? 'base64' : 'utf8');
  const setCookies: string[] = [];
  for (const [name, value] of Object.entries(result.headers ?? {})) {
    if (name.toLowerCase() === 'set-cookie') setCookies.push(value);
    else response.setHeader(name.toLowerCase(), value);
  }
  setCookies.push(...(result.cookies ?? []));
  if (setCookies.length > 0) response.setHeader('set-cookie', setCookies);
  response.setHeader('content-length', body.length);
  response.statusCode = result.statusCode;
  response.end(body);
}

/** Reads a Node request into the bridge's input. */
export async function rawRequestOf(request: IncomingMessage, maxBodyBytes: number): Promise<RawRequest> {
  const body = await readBody(request, maxBodyBytes);
  return {
    method: request.method ?? 'GET',
    url: request.url ?? '/',
    rawHeaders: request.rawHeaders,
    httpVersion: request.httpVersion,
    sourceIp: (request.socket.remoteAddress ?? '127.0.0.1').replace(/^::ffff:/, ''),
    body,
  };
}
