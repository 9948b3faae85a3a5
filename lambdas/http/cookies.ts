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
  /** `browser-default` sends no SameSite attribute (browsers then treat the cookie as Lax, Chromium with a short grace for POSTs). */
  readonly sameSite?: 'lax' | 'strict' | 'none' | 'browser-default';
}

export function setCookie(name: string, value: string, options: CookieOptions): string {
  const sameSite = options.sameSite ?? 'lax';
  return serialize(name, value, {
    path: options.path ?? '/',
    httpOnly: true,
    ...(sameSite === 'browser-default' ? {} : { sameSite }),
    secure: options.secure,
    ...(options.maxAgeSec !== undefined ? { maxAge: options.maxAgeSec } : {}),
  });
}

export const clearCookie = (name: string, secure: boolean, path = '/'): string => setCookie(name, '', { secure, path, maxAgeSec: 0 });

/**
 * A cookie's name on this deployment: `__Host-` when cookies are Secure, so that the browser only accepts
 * it from this very host, over https, for the whole path (no sibling subdomain can plant or shadow it).
 */
export const hostCookieName = (name: string, secure: boolean): string => (secure ? `__Host-${name}` : name);
