import { newSecret, sameSecret, sha256Hex } from '../core/digest';
import { hostCookieName, setCookie } from '../http/cookies';
import { REQUEST_TTL_SEC } from './flows/shared';

/**
 * The browser that starts an SP-initiated login gets a random binding in a cookie; the login state keeps
 * only its SHA-256, and the IdP's answer is accepted only from a browser that still holds it. A response
 * started in one browser and posted from another (login CSRF) is refused.
 *
 * The IdP posts the response cross-site, so the cookie must travel on a cross-site POST:
 * - https (deployed, or the twin behind an https tunnel): `Secure; SameSite=None`, with the `__Host-`
 *   prefix in deployed mode;
 * - http (the twin on 127.0.0.1): browsers drop `SameSite=None` without `Secure` (Chromium does), so the
 *   cookie has no SameSite attribute; the twin's dev IdP is on the same origin, where that cookie travels.
 */
export interface LoginBinding {
  readonly cookieName: string;
  /** The browser's binding: the one its cookie already holds (two tabs share it), else a fresh one. */
  valueFor(cookies: Readonly<Record<string, string | undefined>>): string;
  /** Set-Cookie for the binding, refreshed for another request lifetime. */
  cookie(value: string, apiBaseUrl: string): string;
}

const BINDING = /^[A-Za-z0-9_-]{43}$/;

export function loginBinding(deployed: boolean): LoginBinding {
  const cookieName = hostCookieName('natoma_login', deployed);
  return {
    cookieName,
    valueFor: (cookies) => {
      const held = cookies[cookieName];
      return held !== undefined && BINDING.test(held) ? held : newSecret();
    },
    cookie: (value, apiBaseUrl) => {
      const https = deployed || apiBaseUrl.startsWith('https:');
      return setCookie(cookieName, value, { secure: https, sameSite: https ? 'none' : 'browser-default', maxAgeSec: REQUEST_TTL_SEC });
    },
  };
}

/** The hash kept with the login state. */
export const bindingHash = (value: string): string => sha256Hex(`login-binding:${value}`);

/** Whether the browser that posted the response holds the binding its login was started with. */
export function sameBrowser(storedHash: string | undefined, presented: string | undefined): boolean {
  if (!storedHash || !presented || !BINDING.test(presented)) return false;
  return sameSecret(storedHash, bindingHash(presented));
}
