import { randomUUID } from 'node:crypto';
import { importJWK, SignJWT } from 'jose';
import type { DirectoryEvent } from '../core/events/directory-event';
import type { EventSink } from '../core/events/ports';
import { asTenantId, asUserId } from '../core/ids';
import type { AppClient, AppClientRepository } from '../core/oidc/apps';
import type { OidcKeyRing } from '../core/oidc/signing-keys';
import { accountIdOf } from './account';

export const BACKCHANNEL_LOGOUT_EVENT = 'http://schemas.openid.net/event/backchannel-logout';

export interface BackchannelLogoutDeps {
  readonly apps: Pick<AppClientRepository, 'list'>;
  /** The signing key ring (the current key signs logout tokens, as it signs ID tokens). */
  readonly keyring: () => Promise<OidcKeyRing>;
  /** The issuer, = PUBLIC_BASE_URL. */
  readonly issuer: string;
  readonly fetch?: typeof fetch;
  /** Tries per app and event before the batch fails (and is retried by the stream or EventBridge). @default 3 */
  readonly attempts?: number;
  /** Wait before the second try, doubled after each. @default 250 */
  readonly backoffMs?: number;
  /** @default 5000 */
  readonly timeoutMs?: number;
  /**
   * Where a logout token goes that could not be delivered after its tries (the twin's dead-letter file). Without
   * it the batch fails instead, so EventBridge retries the event and then keeps it in the rule's DLQ; with it the
   * event stream moves on, so one app that is down does not hold back every later event.
   */
  readonly onUndeliverable?: (failure: UndeliveredLogout) => Promise<void>;
}

export interface UndeliveredLogout {
  readonly clientId: string;
  readonly eventId: string;
  readonly sid: string;
  /** `refused`: the app answered 4xx (retrying will not help); `unreachable`: no 2xx after every try. */
  readonly reason: 'refused' | 'unreachable';
}

/**
 * Back-Channel Logout 1.0 as an EventSink (contract C2/C3): for each `session.ended` event, a logout token
 * (iss, aud, iat, exp, jti, sub, sid, events) signed with the current key is POSTed to every app with a
 * `backchannel_logout_uri`. We do not record which apps a session signed in to, so every such app gets it:
 * an app ignores a sid it does not know. A delivery that still fails after its tries fails the batch, which
 * is retried (at least once: apps treat a repeated logout as done).
 */
export function backchannelLogoutSink(deps: BackchannelLogoutDeps): EventSink {
  const send = deps.fetch ?? fetch;
  const attempts = deps.attempts ?? 3;
  const backoffMs = deps.backoffMs ?? 250;
  return {
    name: 'oidc-backchannel-logout',
    async deliver(events: readonly DirectoryEvent[]): Promise<void> {
      const ended = events.filter((event) => event.type === 'session.ended' && typeof event.data.sid === 'string' && typeof event.data.userId === 'string');
      if (ended.length === 0) return;
      const apps = (await deps.apps.list()).filter((app) => app.backchannelLogoutUri);
      if (apps.length === 0) return;
      const ring = await deps.keyring();
      const key = await importJWK(ring.current, 'RS256');
      const failed: string[] = [];
      for (const event of ended) {
        await Promise.all(
          apps.map(async (app) => {
            const token = await logoutToken(deps.issuer, app, event, key, ring.current.kid);
            const outcome = await postWithRetries(send, app.backchannelLogoutUri!, token, attempts, backoffMs, deps.timeoutMs ?? 5000);
            if (outcome === 'delivered') return;
            if (deps.onUndeliverable) await deps.onUndeliverable({ clientId: app.clientId, eventId: event.id, sid: event.data.sid as string, reason: outcome });
            else failed.push(app.clientId);
          }),
        );
      }
      if (failed.length > 0) throw new Error(`back-channel logout failed for ${[...new Set(failed)].join(', ')}`);
    },
  };
}

async function logoutToken(issuer: string, app: AppClient, event: DirectoryEvent, key: Parameters<SignJWT['sign']>[0], kid: string): Promise<string> {
  return new SignJWT({ sid: event.data.sid as string, events: { [BACKCHANNEL_LOGOUT_EVENT]: {} } })
    .setProtectedHeader({ alg: 'RS256', kid, typ: 'logout+jwt' })
    .setIssuer(issuer)
    .setAudience(app.clientId)
    .setSubject(accountIdOf(asTenantId(event.tenantId), asUserId(event.data.userId as string)))
    .setIssuedAt()
    .setExpirationTime('2m')
    .setJti(randomUUID())
    .sign(key);
}

async function postWithRetries(send: typeof fetch, uri: string, token: string, attempts: number, backoffMs: number, timeoutMs: number): Promise<'delivered' | UndeliveredLogout['reason']> {
  for (let attempt = 0; attempt < attempts; attempt++) {
    if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, backoffMs * 2 ** (attempt - 1)));
    try {
      const response = await send(uri, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', 'cache-control': 'no-store' },
        body: new URLSearchParams({ logout_token: token }).toString(),
        redirect: 'manual',
        signal: AbortSignal.timeout(timeoutMs),
      });
      await response.body?.cancel();
      if (response.status === 200 || response.status === 204) return 'delivered';
      if (response.status >= 400 && response.status < 500 && response.status !== 429) return 'refused'; // retrying will not help
    } catch {
      // unreachable or too slow: try again
    }
  }
  return 'unreachable';
}
