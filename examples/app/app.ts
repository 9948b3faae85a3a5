import type { IncomingMessage, ServerResponse } from 'node:http';
import { createRemoteJWKSet, type JWTVerifyGetKey } from 'jose';
import * as oidc from 'openid-client';
import type { ExampleAppConfig } from './config';
import { apiKeyMatches, EventBodyError, EventLog, eventsFromBody } from './events';
import { IssuerKeysUnavailableError, LogoutTokenError, verifyLogoutToken } from './logout-token';
import { claimsPage, homePage, messagePage, receivedPage, type BackchannelLogoutRecord } from './pages';
import { readCookie, SESSION_COOKIE, sessionCookie, SessionStore, type Session } from './sessions';

export interface ExampleApp {
  /** The node:http request listener; it never throws. */
  handle(request: IncomingMessage, response: ServerResponse): Promise<void>;
  readonly sessions: SessionStore;
  readonly events: EventLog;
  readonly logouts: readonly BackchannelLogoutRecord[];
}

interface Issuer {
  readonly configuration: oidc.Configuration;
  readonly keys: JWTVerifyGetKey;
}

class BodyTooLargeError extends Error {}

export function createExampleApp(config: ExampleAppConfig, log: (line: string) => void = console.log): ExampleApp {
  const sessions = new SessionStore();
  const events = new EventLog();
  const logouts: BackchannelLogoutRecord[] = [];
  const seenLogoutJtis = new Set<string>();
  const secureCookie = config.appUrl.startsWith('https:');
  const redirectUri = `${config.appUrl}/callback`;
  const postLogoutRedirectUri = `${config.appUrl}/`;
  const issuerOrigin = new URL(config.issuer).origin;

  // Discovery runs on first use (and again after a failure), so the app may start before natoma-sso does.
  let discovered: Promise<Issuer> | undefined;
  const issuer = (): Promise<Issuer> => {
    discovered ??= (async () => {
      const options = config.issuer.startsWith('http:') ? { execute: [oidc.allowInsecureRequests] } : undefined;
      const configuration = await oidc.discovery(new URL(config.issuer), config.clientId, config.clientSecret, undefined, options);
      const jwksUri = configuration.serverMetadata().jwks_uri;
      if (!jwksUri) throw new Error('the issuer publishes no jwks_uri');
      return { configuration, keys: createRemoteJWKSet(new URL(jwksUri)) };
    })().catch((error: unknown) => {
      discovered = undefined;
      throw error;
    });
    return discovered;
  };

  function send(response: ServerResponse, status: number, body: string, headers: Record<string, string | string[]> = {}): void {
    response.writeHead(status, {
      'content-type': 'text/html; charset=utf-8',
      'cache-control': 'no-store',
      'referrer-policy': 'no-referrer',
      'x-content-type-options': 'nosniff',
      // Forms post here and redirect to natoma-sso: form-action must allow both.
      'content-security-policy': `default-src 'none'; style-src 'unsafe-inline'; form-action 'self' ${issuerOrigin}; frame-ancestors 'none'; base-uri 'none'`,
      ...headers,
    });
    response.end(body);
  }
  const sendJson = (response: ServerResponse, status: number, body: unknown) =>
    send(response, status, JSON.stringify(body), { 'content-type': 'application/json' });
  const redirect = (response: ServerResponse, location: string, cookies: string[] = []) =>
    send(response, 302, '', { location, ...(cookies.length > 0 ? { 'set-cookie': cookies } : {}) });

  async function startLogin(response: ServerResponse, current: Session | undefined, loginHint: string | undefined, returnTo: string): Promise<void> {
    const { configuration } = await issuer();
    // A fresh session for every sign-in: the cookie set before login is never the one that ends up signed in.
    if (current) sessions.delete(current.id);
    const session = sessions.create();
    const codeVerifier = oidc.randomPKCECodeVerifier();
    session.pending = { state: oidc.randomState(), nonce: oidc.randomNonce(), codeVerifier, returnTo, startedAt: Date.now() };
    const parameters: Record<string, string> = {
      redirect_uri: redirectUri,
      scope: config.scope,
      code_challenge: await oidc.calculatePKCECodeChallenge(codeVerifier),
      code_challenge_method: 'S256',
      state: session.pending.state,
      nonce: session.pending.nonce,
    };
    if (loginHint) parameters.login_hint = loginHint;
    redirect(response, oidc.buildAuthorizationUrl(configuration, parameters).href, [sessionCookie(session.id, secureCookie)]);
  }

  async function callback(request: IncomingMessage, response: ServerResponse, current: Session | undefined): Promise<void> {
    const pending = current?.pending;
    if (!current || !pending) return send(response, 400, messagePage('Sign-in failed', 'This sign-in was not started here, or took too long. Start again.'));
    current.pending = undefined;
    const { configuration } = await issuer();
    let tokens;
    try {
      tokens = await oidc.authorizationCodeGrant(configuration, new URL(request.url ?? '/', config.appUrl), {
        pkceCodeVerifier: pending.codeVerifier,
        expectedState: pending.state,
        expectedNonce: pending.nonce,
        idTokenExpected: true,
      });
    } catch (error) {
      if (error instanceof oidc.AuthorizationResponseError || error instanceof oidc.ResponseBodyError) {
        // The error code comes from the query string: show it only when it looks like an OAuth error code.
        const code = /^[a-z_]{1,64}$/.test(error.error) ? error.error : 'unknown_error';
        return send(response, 400, messagePage('Sign-in failed', `natoma-sso refused the sign-in (${code}).`));
      }
      if (error instanceof oidc.ClientError) return send(response, 400, messagePage('Sign-in failed', 'The sign-in response did not validate. Start again.'));
      throw error;
    }
    const idClaims = tokens.claims();
    if (!idClaims) throw new Error('no ID token in the token response');
    let claims: Record<string, unknown> = { ...idClaims };
    try {
      claims = { ...(await oidc.fetchUserInfo(configuration, tokens.access_token, idClaims.sub)), ...idClaims };
    } catch {
      // The ID token's claims are enough to sign in; userinfo only adds to them.
    }
    sessions.delete(current.id);
    const session = sessions.create();
    session.user = {
      sub: idClaims.sub,
      sid: typeof idClaims.sid === 'string' ? idClaims.sid : undefined,
      claims,
      idToken: tokens.id_token,
      signedInAt: Date.now(),
    };
    log(`signed in: sub ${idClaims.sub}, tenant ${String(claims.tenant_id ?? '?')}`);
    redirect(response, pending.returnTo, [sessionCookie(session.id, secureCookie)]);
  }

  /** RP-initiated logout: end our session, then ask natoma-sso to end its own and send the browser back. */
  async function logout(response: ServerResponse, current: Session | undefined): Promise<void> {
    const cleared = sessionCookie('', secureCookie, 0);
    if (current) sessions.delete(current.id);
    if (!current?.user) return redirect(response, '/', [cleared]);
    const { configuration } = await issuer();
    if (!configuration.serverMetadata().end_session_endpoint) return redirect(response, '/', [cleared]);
    const parameters: Record<string, string> = { post_logout_redirect_uri: postLogoutRedirectUri };
    if (current.user.idToken) parameters.id_token_hint = current.user.idToken;
    redirect(response, oidc.buildEndSessionUrl(configuration, parameters).href, [cleared]);
  }

  /** OIDC Core §4: natoma-sso (or a portal) asks us to start a sign-in; we only trust our own issuer. */
  async function initiateLogin(request: IncomingMessage, response: ServerResponse, current: Session | undefined): Promise<void> {
    const url = new URL(request.url ?? '/', config.appUrl);
    const parameters = request.method === 'POST' ? new URLSearchParams(await readBody(request, 64 * 1024)) : url.searchParams;
    const iss = parameters.get('iss')?.replace(/\/+$/, '');
    if (iss !== config.issuer) return send(response, 400, messagePage('Sign-in not started', 'The iss parameter is missing or is not the issuer this app trusts.'));
    const loginHint = parameters.get('login_hint')?.trim().slice(0, 256) || undefined;
    // target_link_uri must stay on this app, else it would be an open redirect.
    let returnTo = '/me';
    const target = parameters.get('target_link_uri');
    if (target && URL.canParse(target)) {
      const targetUrl = new URL(target);
      if (targetUrl.origin === new URL(config.appUrl).origin) returnTo = `${targetUrl.pathname}${targetUrl.search}`;
    }
    await startLogin(response, current, loginHint, returnTo);
  }

  /** Back-Channel Logout 1.0: 200 once the matching sessions are gone, 400 for a token we refuse. */
  async function backchannelLogout(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const token = new URLSearchParams(await readBody(request, 64 * 1024)).get('logout_token');
    if (!token) return sendJson(response, 400, { error: 'invalid_request', error_description: 'logout_token is missing' });
    const { keys } = await issuer();
    let verified;
    try {
      verified = await verifyLogoutToken(token, keys, { issuer: config.issuer, clientId: config.clientId });
    } catch (error) {
      if (error instanceof LogoutTokenError) {
        log(`back-channel logout refused: ${error.reason}`);
        return sendJson(response, 400, { error: 'invalid_request', error_description: error.reason });
      }
      if (error instanceof IssuerKeysUnavailableError) return sendJson(response, 503, { error: 'temporarily_unavailable' });
      throw error;
    }
    // A retry of a token we already acted on: the sessions are already gone.
    if (seenLogoutJtis.has(verified.jti)) return send(response, 200, '');
    seenLogoutJtis.add(verified.jti);
    const sessionsEnded = sessions.endMatching({ sid: verified.sid, sub: verified.sub });
    logouts.unshift({ receivedAt: new Date().toISOString(), jti: verified.jti, sid: verified.sid, sub: verified.sub, sessionsEnded });
    log(`back-channel logout: sid ${verified.sid ?? '-'}, sub ${verified.sub ?? '-'}, ${sessionsEnded} session(s) ended`);
    send(response, 200, '');
  }

  async function receiveEvents(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const key = request.headers['x-api-key'];
    if (!apiKeyMatches(typeof key === 'string' ? key : undefined, config.eventsWebhookKey)) {
      return sendJson(response, 401, { error: 'a valid x-api-key header is required' });
    }
    let received;
    try {
      received = eventsFromBody(JSON.parse(await readBody(request, 1024 * 1024)));
    } catch (error) {
      if (error instanceof SyntaxError || error instanceof EventBodyError) return sendJson(response, 400, { error: 'the body must be a directory event (JSON) or an array of them' });
      throw error;
    }
    let accepted = 0;
    for (const event of received) {
      if (events.add(event)) {
        accepted += 1;
        log(`event ${event.type} (${event.id})`);
      }
    }
    sendJson(response, 200, { accepted, duplicates: received.length - accepted });
  }

  async function route(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', config.appUrl);
    const session = sessions.get(readCookie(request.headers.cookie, SESSION_COOKIE));
    switch (`${request.method} ${url.pathname}`) {
      case 'GET /':
        return send(response, 200, homePage(session?.user));
      case 'GET /login':
        return startLogin(response, session, url.searchParams.get('login_hint')?.trim().slice(0, 256) || undefined, '/me');
      case 'GET /callback':
        return callback(request, response, session);
      case 'GET /me':
        return session?.user ? send(response, 200, claimsPage(session.user)) : redirect(response, '/');
      case 'POST /logout':
        return logout(response, session);
      case 'GET /initiate-login':
      case 'POST /initiate-login':
        return initiateLogin(request, response, session);
      case 'POST /backchannel-logout':
        return backchannelLogout(request, response);
      case 'POST /events':
        return receiveEvents(request, response);
      case 'GET /received':
        return send(response, 200, receivedPage(events.list(), logouts));
      default:
        return send(response, 404, messagePage('Not found', 'There is no page here.'));
    }
  }

  return {
    sessions,
    events,
    logouts,
    async handle(request, response) {
      try {
        await route(request, response);
      } catch (error) {
        if (response.headersSent) return void response.destroy();
        if (error instanceof BodyTooLargeError) return sendJson(response, 413, { error: 'the body is too large' });
        // Most likely natoma-sso is not reachable (discovery, token or JWKS request).
        log(`request failed: ${error instanceof Error ? error.message : String(error)}`);
        send(response, 502, messagePage('natoma-sso is not reachable', `Could not talk to ${config.issuer}. Is it running?`));
      }
    },
  };
}

async function readBody(request: IncomingMessage, limit: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > limit) throw new BodyTooLargeError();
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}
