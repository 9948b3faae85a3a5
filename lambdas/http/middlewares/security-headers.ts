import type { MiddlewareObj } from '@middy/core';
import type { HttpEvent, HttpResult } from '../request';
import { scopeOf } from './request-scope';

/** The default page policy: nothing loads but our own styles and images, no framing, forms post only to us. */
export const STRICT_CSP = "default-src 'none'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

export interface SecurityHeaderOptions {
  /** HSTS is sent only where the browser reached us over https (deployed), never by the http twin. */
  readonly https: boolean;
}

/**
 * Headers every answer carries, whatever produced it (a route, the error table, the router's 404):
 * no sniffing, no referrer (SAML and console URLs carry tickets), no caching unless the route chose to,
 * and for HTML no framing plus the strict CSP unless the route set its own.
 */
export function securityHeaders(options: SecurityHeaderOptions): MiddlewareObj<HttpEvent, HttpResult> {
  const apply = (request: { context: unknown; response: HttpResult | null | undefined }): void => {
    const response = request.response;
    if (!response) return;
    const headers: Record<string, string> = { ...response.headers };
    headers['x-content-type-options'] = 'nosniff';
    headers['referrer-policy'] ??= 'no-referrer';
    headers['cache-control'] ??= 'no-store';
    if (options.https) headers['strict-transport-security'] ??= 'max-age=63072000; includeSubDomains';
    if ((headers['content-type'] ?? '').startsWith('text/html')) {
      headers['x-frame-options'] = 'DENY';
      headers['content-security-policy'] ??= STRICT_CSP;
    }
    headers['x-correlation-id'] = scopeOf(request.context).correlationId;
    request.response = { ...response, headers };
  };
  return { name: 'securityHeaders', after: apply, onError: apply };
}
