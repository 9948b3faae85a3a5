import type { HttpResult } from './request';

// `<`, `>` and `&` as JSON escapes: the same value for every JSON parser, and no markup if a browser ever sniffs it.
const MARKUP = /[<>&]/g;
const jsonEscape = (c: string): string => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;
export const safeJson = (value: unknown): string => JSON.stringify(value).replace(MARKUP, jsonEscape);

export function json(statusCode: number, body: unknown, headers: Record<string, string> = {}): HttpResult {
  return { statusCode, headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', ...headers }, body: safeJson(body) };
}

export function redirect(location: string, cookies?: string[]): HttpResult {
  return { statusCode: 302, headers: { location, 'cache-control': 'no-store' }, cookies };
}
