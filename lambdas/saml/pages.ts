import type { SamlProblem } from '../core/tenancy/tenant';
import { html, trustedHtml, type HtmlFragment } from '../http/html';
import { STRICT_CSP } from '../http/middlewares/security-headers';
import type { HttpResult } from '../http/request';

const STYLE = trustedHtml(`
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;background:#f5f6f8;color:#1d2433}
main{max-width:34rem;margin:8vh auto;background:#fff;border-radius:12px;padding:2rem 2.25rem;box-shadow:0 1px 3px rgba(0,0,0,.08)}
main.wide{max-width:48rem}
h1{font-size:1.35rem;margin:0 0 1rem}
p{line-height:1.5}
label{display:block;font-weight:600;margin:1rem 0 .35rem}
input[type=email],input[type=text]{width:100%;box-sizing:border-box;padding:.6rem .7rem;font-size:1rem;border:1px solid #8a94a6;border-radius:6px}
button{margin-top:1.1rem;padding:.6rem 1.2rem;font-size:1rem;border:0;border-radius:6px;background:#2952cc;color:#fff;cursor:pointer}
button:focus-visible,input:focus-visible{outline:3px solid #f0b429;outline-offset:2px}
.muted{color:#4b5567;font-size:.9rem}
.ok{color:#146c2e}.bad{color:#a61b1b}
table{border-collapse:collapse;width:100%;margin-top:.75rem;font-size:.92rem}
th,td{text-align:left;vertical-align:top;padding:.45rem .5rem;border-top:1px solid #e3e6eb;word-break:break-all}
th{width:28%;word-break:normal}
code{font-family:ui-monospace,SFMono-Regular,Menlo,monospace;font-size:.88em}
ul{padding-left:1.2rem}`);

/** A page as an answer; the pipeline adds the strict CSP, no framing and no-store unless `csp` says otherwise. */
export function pageAnswer(statusCode: number, body: HtmlFragment, options: { cookies?: string[]; csp?: string } = {}): HttpResult {
  return {
    statusCode,
    headers: { 'content-type': 'text/html; charset=utf-8', ...(options.csp ? { 'content-security-policy': options.csp } : {}) },
    body: body.markup,
    ...(options.cookies ? { cookies: options.cookies } : {}),
  };
}

export function page(title: string, body: HtmlFragment, options: { wide?: boolean } = {}): HtmlFragment {
  return html`<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>${title} · natoma-sso</title><style>${STYLE}</style></head><body><main${options.wide ? html` class="wide"` : ''}>${body}</main></body></html>`;
}

export function signInPage(options: { email?: string; message?: string; returnTo?: string } = {}): HtmlFragment {
  return page(
    'Sign in',
    html`<h1>Sign in</h1>${options.message ? html`<p role="alert">${options.message}</p>` : ''}
<form method="post" action="/signin">${options.returnTo ? html`<input type="hidden" name="return" value="${options.returnTo}">` : ''}<label for="email">Work email</label><input id="email" name="email" type="email" autocomplete="username" required value="${options.email ?? ''}" autofocus><button type="submit">Sign in</button></form>
<p class="muted">You will continue at your organisation's identity provider.</p>`,
  );
}

/** The one answer for an unknown domain and for a tenant without active SSO: no tenant enumeration. */
export function cannotStartPage(email?: string): HtmlFragment {
  return page(
    'Single sign-on unavailable',
    html`<h1>We cannot start single sign-on for this address</h1>
<p>${email ? html`<strong>${email}</strong>: ` : ''}single sign-on is not available for this email address. Check the address, or ask your administrator whether your organisation has set up single sign-on.</p>
<p><a href="/signin">Try another address</a></p>`,
  );
}

export function errorPage(title: string, message: string, correlationId: string, back: { href: string; label: string } = { href: '/signin', label: 'Back to sign-in' }): HtmlFragment {
  return page(
    title,
    html`<h1>${title}</h1><p>${message}</p><p class="muted">If you ask for help, quote this reference: <code>${correlationId}</code></p><p><a href="${back.href}">${back.label}</a></p>`,
  );
}

/**
 * After an admin's SSO login the ACS hands over to the console (another origin) with this page rather than
 * a redirect: the IdP's auto-post page may restrict CSP form-action to the ACS origin, and browsers apply
 * form-action to the whole redirect chain of that POST, so a 30x to the console would be blocked by a page
 * we do not control (Okta's, the dev IdP's). A meta refresh (and the link, without it) is a new navigation
 * started by this page of ours; our CSP does not restrict it. The page is no-store and sends no referrer.
 */
export function adminContinuePage(url: string): HtmlFragment {
  return page(
    'Continue to the admin console',
    html`<meta http-equiv="refresh" content="0;url=${url}"><h1>Signed in</h1><p>Continuing to the admin console…</p><p><a id="continue" href="${url}">Continue to the admin console</a></p>`,
  );
}

/** After a sign-in, on to the app (an OIDC authorize request, the default app): a page, not a redirect, for the reason adminContinuePage gives. */
export function appContinuePage(url: string): HtmlFragment {
  return page('Continue to the app', html`<meta http-equiv="refresh" content="0;url=${url}"><h1>Signed in</h1><p>Continuing to the app…</p><p><a id="continue" href="${url}">Continue</a></p>`);
}

const rows = (pairs: [string, string][]): HtmlFragment => html`<table>${pairs.map(([k, v]) => html`<tr><th scope="row">${k}</th><td>${v}</td></tr>`)}</table>`;

export function testResultPage(input: { tenantName: string; passed: boolean; problems: SamlProblem[]; attributes?: Record<string, string[]>; nameId?: string; correlationId: string }): HtmlFragment {
  const body = input.passed
    ? html`<h1 class="ok">Test SAML passed</h1><p>The identity provider's response for <strong>${input.tenantName}</strong> was valid. You can now click <strong>Update</strong> to activate this configuration.</p>
${input.problems.length ? html`<h2>Advice</h2><ul>${input.problems.map((p) => html`<li data-advice="${p.code}">${p.message}</li>`)}</ul>` : ''}
<h2>What the identity provider sent</h2>${rows([['NameID', input.nameId ?? ''], ...Object.entries(input.attributes ?? {}).map(([k, v]) => [k, v.join(', ')] as [string, string])])}`
    : html`<h1 class="bad">Test SAML failed</h1><p>The response for <strong>${input.tenantName}</strong> cannot be accepted. Fix the following in the identity provider (or re-import its metadata) and test again:</p>
<ul>${input.problems.map((p) => html`<li><strong>${p.message}</strong>${p.expected !== undefined || p.received !== undefined ? rows([['Expected', p.expected ?? ''], ['Received', p.received ?? '']]) : ''}</li>`)}</ul>`;
  return page(input.passed ? 'Test SAML passed' : 'Test SAML failed', html`${body}<p class="muted">Reference: <code>${input.correlationId}</code>. You can close this tab and go back to the SSO settings.</p>`, { wide: true });
}

/** The sign-out form: a POST from our origin, carrying the session's logout token. */
const signOutForm = (logoutToken: string | undefined): HtmlFragment =>
  html`<form method="post" action="/logout">${logoutToken ? html`<input type="hidden" name="token" value="${logoutToken}">` : ''}<button type="submit">Sign out</button></form>`;

export function dashboardPage(input: { name: string; email: string; tenantName: string; tenantId: string; groups: string[]; logoutToken?: string }): HtmlFragment {
  return page(
    'Dashboard',
    html`<h1>Welcome, ${input.name}</h1>
<table><tr><th scope="row">Name</th><td data-field="name">${input.name}</td></tr><tr><th scope="row">Email</th><td data-field="email">${input.email}</td></tr>
<tr><th scope="row">Organisation</th><td data-field="tenant">${input.tenantName} <span class="muted">(${input.tenantId})</span></td></tr>
<tr><th scope="row">Groups</th><td data-field="groups">${input.groups.length ? input.groups.join(', ') : html`<span class="muted">none</span>`}</td></tr></table>
${signOutForm(input.logoutToken)}`,
  );
}

export function signedOutPage(): HtmlFragment {
  return page('Signed out', html`<h1>You are signed out</h1><p><a href="/signin">Sign in again</a></p>`);
}

export function logoutConfirmPage(logoutToken: string | undefined): HtmlFragment {
  return page('Sign out', html`<h1>Sign out?</h1>${signOutForm(logoutToken)}`);
}

/**
 * HTTP-POST binding for an AuthnRequest: a form the user submits (no script, so the strict CSP holds);
 * the CSP's form-action admits the IdP's origin only.
 */
export function postBindingAnswer(url: string, fields: Record<string, string>, cookies?: string[]): HttpResult {
  const form = page(
    'Continue to sign in',
    html`<h1>Continue to your identity provider</h1><form method="post" action="${url}">${Object.entries(fields).map(([k, v]) => html`<input type="hidden" name="${k}" value="${v}">`)}<button type="submit">Continue</button></form>`,
  );
  return pageAnswer(200, form, { csp: STRICT_CSP.replace("form-action 'self'", `form-action ${new URL(url).origin}`), cookies });
}
