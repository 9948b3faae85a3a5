import { header, type HttpEvent } from './request';

/**
 * Whether a browser sent this request from a page of `ownOrigin` (or a non-browser client did, which sends
 * neither header and is not a CSRF vector, unless `requireEvidence`). Origin and Sec-Fetch-Site must both agree when present;
 * browsers send `Origin: null` under a no-referrer policy, and Sec-Fetch-Site then still says where the
 * request came from.
 */
export function fromOwnOrigin(event: HttpEvent, ownOrigin: string, options: { requireEvidence?: boolean } = {}): boolean {
  const origin = header(event, 'origin');
  const fetchSite = header(event, 'sec-fetch-site');
  // Where a token is the alternative, a request with neither header is not taken on trust.
  if (options.requireEvidence && origin === undefined && fetchSite === undefined) return false;
  const originOk = origin === undefined || origin === ownOrigin || (origin === 'null' && fetchSite === 'same-origin');
  const siteOk = fetchSite === undefined || fetchSite === 'same-origin' || fetchSite === 'none';
  return originOk && siteOk;
}
