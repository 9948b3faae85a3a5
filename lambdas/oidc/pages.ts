import { html, trustedHtml } from '../http/html';
import { STRICT_CSP } from '../http/middlewares/security-headers';
import { page } from '../saml/pages';

/** Fixed words per OAuth error code: the page never shows the request's text or the library's description. */
const ERROR_WORDS: Readonly<Record<string, string>> = {
  invalid_request: 'The app sent a sign-in request this service cannot accept (for example, a return address it has not registered).',
  invalid_client: 'The app that sent you here is not registered with this service.',
  unauthorized_client: 'The app that sent you here may not sign users in this way.',
  invalid_scope: 'The app asked for access this service does not offer.',
  unsupported_response_type: 'The app asked for a kind of answer this service does not give.',
  login_required: 'You need to sign in first.',
  session_not_found: 'This sign-in has expired or was started in another browser.',
  invalid_redirect_uri: 'The app asked to return you to an address it has not registered.',
};

export function oidcErrorPage(code: string): string {
  const words = ERROR_WORDS[code] ?? 'This sign-in request could not be completed.';
  return page('Sign-in request refused', html`<h1>Sign-in request refused</h1><p>${words}</p><p class="muted">Error code: <code>${/^[a-z_]{1,40}$/.test(code) ? code : 'invalid_request'}</code>. Go back to the app and try again; if it keeps happening, tell the app's owner.</p>`).markup;
}

export function interactionExpiredPage(): string {
  return page('Sign-in expired', html`<h1>This sign-in has expired</h1><p>The sign-in took too long, or was started in another browser. Go back to the app and sign in again.</p>`).markup;
}

/**
 * The RP-initiated logout confirmation. oidc-provider gives the form (with its XSRF token); the button
 * confirms. The CSP allows the form's redirect to the app's registered post-logout URI.
 */
export function logoutConfirmPage(form: string): string {
  return page(
    'Sign out',
    html`<h1>Sign out?</h1><p>The app asked to sign you out. This ends your single sign-on session here too.</p>${trustedHtml(form)}<button form="op.logoutForm" type="submit" name="logout" value="yes">Sign out</button>`,
  ).markup;
}

/**
 * The provider's base page policy: ours, plus an empty `script-src` (no script), to which oidc-provider adds
 * the hash of its one inline script on the auto-post pages it renders (form_post response mode).
 */
export const PROVIDER_CSP = `${STRICT_CSP}; script-src`;

/** An authorize answer in the form_post response mode posts to the app's (registered, validated) redirect URI. */
export function widenFormAction(csp: string, redirectUri: unknown): string {
  try {
    return typeof redirectUri === 'string' ? csp.replace("form-action 'self'", `form-action 'self' ${new URL(redirectUri).origin}`) : csp;
  } catch {
    return csp;
  }
}

/** The logout confirmation's form may redirect to the app's (registered, validated) post-logout URI. */
export const logoutCsp = (postLogoutRedirectUri: unknown): string => widenFormAction(STRICT_CSP, postLogoutRedirectUri);

export function signedOutPage(): string {
  return page('Signed out', html`<h1>Signed out</h1><p>You are signed out.</p><p><a href="/signin">Sign in again</a></p>`).markup;
}
