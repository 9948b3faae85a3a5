import { parse, serialize } from 'cookie';
import { header, type HttpEvent } from './request';

/**
 * The request's cookies by name. Payload 2.0 moves them to `event.cookies`; a malformed value
 * (`natoma_session=%`) is kept as sent rather than failing the request.
 */
export function cookiesOf(event: HttpEvent): Record<string, string | undefined> {
  const source = event.cookies?.join('; ') ?? header(event, 'cookie') ?? '';
  return source ? parse(source) : {};
}

export interface CookieOptions {
  readonly maxAgeSec?: number;
  readonly secure: boolean;
  readonly path?: string;
  readonly sameSite?: 'lax' | 'strict' | 'none';
}

export function setCookie(name: string, value: string, options: CookieOptions): string {
  return serialize(name, value, {
    path: options.path ?? '/',
    httpOnly: true,
    sameSite: options.sameSite ?? 'lax',
    secure: options.secure,
    ...(options.maxAgeSec !== undefined ? { maxAge: options.maxAgeSec } : {}),
  });
}

export const clearCookie = (name: string, secure: boolean, path = '/'): string => setCookie(name, '', { secure, path, maxAgeSec: 0 });
