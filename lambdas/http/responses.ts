import type { HttpResult } from './request';

// Every HTML page we serve carries these: no framing, no sniffing, no referrer leaks of SAML URLs.
const SECURITY_HEADERS: Record<string, string> = {
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-store',
};

export const STRICT_CSP = "default-src 'none'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

// `<`, `>` and `&` as JSON escapes: the same value for every JSON parser, and no markup if a browser ever sniffs it.
const MARKUP = /[<>&]/g;
const jsonEscape = (c: string): string => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;
export const safeJson = (value: unknown): string => JSON.stringify(value).replace(MARKUP, jsonEscape);

export function json(statusCode: number, body: unknown, headers: Record<string, string> = {}): HttpResult {
  return { statusCode, headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', ...headers }, body: safeJson(body) };
}

export function html(statusCode: number, body: string, options: { headers?: Record<string, string>; cookies?: string[]; csp?: string } = {}): HttpResult {
  return {
    statusCode,
    headers: { 'content-type': 'text/html; charset=utf-8', ...SECURITY_HEADERS, 'content-security-policy': options.csp ?? STRICT_CSP, ...options.headers },
    body,
    cookies: options.cookies,
  };
}

export function redirect(location: string, cookies?: string[]): HttpResult {
  return { statusCode: 302, headers: { location, 'cache-control': 'no-store' }, cookies };
}

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
export const escapeHtml = (text: string): string => text.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c]!);

export interface CookieOptions {
  readonly maxAgeSec?: number;
  readonly secure: boolean;
  readonly path?: string;
  readonly sameSite?: 'Lax' | 'Strict' | 'None';
}

export function setCookie(name: string, value: string, options: CookieOptions): string {
  const parts = [`${name}=${encodeURIComponent(value)}`, `Path=${options.path ?? '/'}`, 'HttpOnly', `SameSite=${options.sameSite ?? 'Lax'}`];
  if (options.secure) parts.push('Secure');
  if (options.maxAgeSec !== undefined) parts.push(`Max-Age=${options.maxAgeSec}`);
  return parts.join('; ');
}

export const clearCookie = (name: string, secure: boolean, path = '/'): string => setCookie(name, '', { secure, path, maxAgeSec: 0 });
