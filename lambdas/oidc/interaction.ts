import type { Provider } from 'oidc-provider';
import { epochSeconds } from '../core/clock';
import { emailDomain } from '../core/tenancy/tenant';
import { clearCookie, cookiesOf, setCookie } from '../http/cookies';
import type { HttpEvent, HttpResult } from '../http/request';
import { runNodeHandler } from './bridge';
import type { LoginState } from './login-state';
import { interactionExpiredPage } from './pages';
import { interactionPath } from './provider';

const UID = /^[A-Za-z0-9_-]{10,64}$/;

/**
 * `/oidc/interaction/{uid}`: the authorize request needs a login. With a live natoma session of an active
 * user, the interaction finishes at once; otherwise the browser goes through our sign-in (login_hint
 * skips the email form) and SAML, and the ACS brings it back here to finish.
 */
export async function interaction(event: HttpEvent, uid: string, provider: Provider, state: LoginState, cookie: string | undefined, secureCookies: boolean): Promise<HttpResult> {
  const expired: HttpResult = { statusCode: 400, headers: { 'content-type': 'text/html; charset=utf-8' }, body: interactionExpiredPage() };
  if (!UID.test(uid)) return expired;
  return runNodeHandler(event, async (req, res) => {
    const send = (result: HttpResult) => {
      res.statusCode = result.statusCode;
      for (const [name, value] of Object.entries(result.headers ?? {})) res.setHeader(name, value);
      res.end(result.body ?? '');
    };
    let details;
    try {
      details = await provider.interactionDetails(req, res);
    } catch {
      return send(expired);
    }
    if (details.uid !== uid) return send(expired);
    const live = await state.current(cookie);
    // prompt=login and an exceeded max_age ask for a fresh authentication: a session the browser had when the
    // interaction began will not do. Its whole-second iat cannot tell a session from earlier in the same second,
    // so the first visit always goes to the IdP and leaves a marker naming the session it had (or none).
    const reauth = details.prompt.reasons.some((reason) => reason === 'login_prompt' || reason === 'max_age');
    const markerName = reauthMarkerName(secureCookies);
    const marker = cookiesOf(event)[markerName];
    const before = marker?.startsWith(`${uid}:`) ? marker.slice(uid.length + 1) : undefined;
    const fresh = !reauth || (live !== undefined && before !== undefined && live.sid !== before && Date.parse(live.session.createdAt) >= (details.iat ?? 0) * 1000);
    if (!live || !fresh) {
      const hint = typeof details.params.login_hint === 'string' ? details.params.login_hint.trim().slice(0, 320) : '';
      const query = new URLSearchParams({ ...(emailDomain(hint) ? { email: hint } : {}), return: interactionPath(uid) });
      if (reauth && before === undefined) res.setHeader('set-cookie', setCookie(markerName, `${uid}:${live?.sid ?? '-'}`, { secure: secureCookies, path: interactionPath(uid), maxAgeSec: 600 }));
      return send({ statusCode: 303, headers: { location: `/signin?${query.toString()}` } });
    }
    if (before !== undefined) res.setHeader('set-cookie', clearCookie(markerName, secureCookies, interactionPath(uid)));
    // What provider.interactionResult does, on the interaction already read (it would read it a second time).
    details.result = { login: { accountId: live.accountId, ts: epochSeconds(new Date(live.session.createdAt)) } };
    await details.save(details.exp - epochSeconds(new Date()));
    send({ statusCode: 303, headers: { location: details.returnTo } });
  });
}

/** The prompt=login / max_age marker: path-scoped to one interaction, so no `__Host-` prefix (it needs Path=/). */
const reauthMarkerName = (secure: boolean): string => (secure ? '__Secure-natoma_oidc_reauth' : 'natoma_oidc_reauth');
