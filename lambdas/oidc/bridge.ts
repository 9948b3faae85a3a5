import { IncomingMessage, ServerResponse } from 'node:http';
import { Socket } from 'node:net';
import type { HttpEvent, HttpResult } from '../http/request';

/** A node request handler (oidc-provider's `provider.callback()`, or a route using its req/res helpers). */
export type NodeHandler = (req: IncomingMessage, res: ServerResponse) => unknown;

const TEXT = /^(text\/|application\/(json|jwt|[\w.+-]+\+json|javascript|x-www-form-urlencoded)|image\/svg)/i;

/** A ServerResponse that keeps what is written instead of sending it: the Lambda answers with it. */
class CapturedResponse extends ServerResponse {
  readonly chunks: Buffer[] = [];
  readonly ended: Promise<void>;
  private finish!: () => void;

  constructor(req: IncomingMessage) {
    super(req);
    this.ended = new Promise((resolve) => (this.finish = resolve));
  }

  override write(chunk: unknown, encoding?: unknown, callback?: unknown): boolean {
    if (chunk !== undefined && chunk !== null && typeof chunk !== 'function') this.chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk), typeof encoding === 'string' ? (encoding as BufferEncoding) : 'utf8'));
    const done = [encoding, callback].find((value) => typeof value === 'function') as (() => void) | undefined;
    done?.();
    return true;
  }

  override end(chunk?: unknown, encoding?: unknown, callback?: unknown): this {
    if (chunk !== undefined && chunk !== null && typeof chunk !== 'function') this.write(chunk, encoding);
    (this as unknown as { finished: boolean }).finished = true;
    (this as unknown as { _header: string })._header = 'captured';
    const done = [chunk, encoding, callback].find((value) => typeof value === 'function') as (() => void) | undefined;
    done?.();
    this.finish();
    this.emit('finish');
    return this;
  }
}

/** The raw body bytes of a payload 2.0 event (oidc-provider parses its own body). */
const rawBody = (event: HttpEvent): Buffer => (event.body ? Buffer.from(event.body, event.isBase64Encoded ? 'base64' : 'utf8') : Buffer.alloc(0));

/**
 * Runs a node handler on an API Gateway payload 2.0 event and answers with what it wrote: the event
 * becomes an IncomingMessage (method, path and query, headers, cookies, raw body), the captured
 * ServerResponse becomes the result (each Set-Cookie its own cookie, non-text bodies base64). With `origin`
 * (the issuer), the request's host and scheme are the issuer's, whatever the client sent.
 */
export async function runNodeHandler(event: HttpEvent, handler: NodeHandler, origin?: string): Promise<HttpResult> {
  const req = new IncomingMessage(new Socket());
  const query = event.rawQueryString ? `?${event.rawQueryString}` : '';
  req.method = event.requestContext.http.method.toUpperCase();
  req.url = `${event.rawPath || event.requestContext.http.path}${query}`;
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(event.headers ?? {})) if (value !== undefined) headers[name.toLowerCase()] = value;
  if (event.cookies?.length) headers.cookie = event.cookies.join('; ');
  // oidc-provider (proxy mode) builds its URLs from Host and X-Forwarded-*: a client's X-Forwarded-Host must not name them.
  if (origin) {
    const { host, protocol } = new URL(origin);
    headers.host = host;
    headers['x-forwarded-proto'] = protocol.slice(0, -1);
    delete headers['x-forwarded-host'];
  }
  const body = rawBody(event);
  if (body.length > 0) headers['content-length'] = String(body.length);
  else delete headers['content-length'];
  req.headers = headers;
  if (body.length > 0) req.push(body);
  req.push(null);

  const res = new CapturedResponse(req);
  await Promise.all([Promise.resolve(handler(req, res)), res.ended]);
  return resultOf(res);
}

function resultOf(res: CapturedResponse): HttpResult {
  const headers: Record<string, string> = {};
  const cookies: string[] = [];
  for (const [name, value] of Object.entries(res.getHeaders())) {
    if (value === undefined) continue;
    if (name === 'set-cookie') cookies.push(...(Array.isArray(value) ? value : [String(value)]));
    else if (name !== 'content-length' && name !== 'connection') headers[name] = Array.isArray(value) ? value.join(', ') : String(value);
  }
  const body = Buffer.concat(res.chunks);
  const text = body.length === 0 || TEXT.test(headers['content-type'] ?? 'text/plain');
  return {
    statusCode: res.statusCode,
    headers,
    ...(cookies.length > 0 ? { cookies } : {}),
    ...(body.length > 0 ? { body: text ? body.toString('utf8') : body.toString('base64'), ...(text ? {} : { isBase64Encoded: true }) } : {}),
  };
}
