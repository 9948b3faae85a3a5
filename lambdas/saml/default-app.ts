import type { AppClientRepository } from '../core/oidc/apps';

/**
 * OIDC Core §4, third-party-initiated login: a sign-in no app started (an IdP tile, /signin opened
 * directly) lands at the default app's `initiate_login_uri` with `iss` and `login_hint`; the app then
 * sends an authorize request, which gets a code at once from the session just opened. No app, or one
 * without an initiate-login URI: the dashboard. (`target_link_uri` is optional and we know no deep link.)
 */
export function defaultAppLandingOf(apps: AppClientRepository, clientId: string) {
  return async (issuer: string, email: string): Promise<string | undefined> => {
    const app = await apps.get(clientId);
    if (!app?.initiateLoginUri) return undefined;
    const url = new URL(app.initiateLoginUri);
    url.searchParams.set('iss', issuer);
    if (email.includes('@')) url.searchParams.set('login_hint', email);
    return url.href;
  };
}
