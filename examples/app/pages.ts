import type { ReceivedEvent } from './events';
import { html, page, type Html } from './html';
import type { SignedInUser } from './sessions';

export interface BackchannelLogoutRecord {
  readonly receivedAt: string;
  readonly jti: string;
  readonly sub?: string;
  readonly sid?: string;
  readonly sessionsEnded: number;
}

export function homePage(user: SignedInUser | undefined): string {
  if (user) {
    return page('Example app', html`
<p>Signed in as <strong>${user.claims.email ?? user.sub}</strong> of tenant <code>${user.claims.tenant_id ?? '?'}</code>.</p>
<p><a href="/me">See your claims</a></p>
${signOutForm()}`);
  }
  return page('Example app', html`
<p>A SaaS app that signs its users in with natoma-sso over OpenID Connect.</p>
<form method="get" action="/login">
  <label>Work email (optional, skips the email step): <input type="email" name="login_hint" autocomplete="email"></label>
  <button type="submit">Sign in with SSO</button>
</form>`);
}

const signOutForm = (): Html => html`<form method="post" action="/logout"><button type="submit">Sign out</button></form>`;

/** The claims a SaaS app usually reads first, then everything natoma-sso sent. */
export function claimsPage(user: SignedInUser): string {
  const claims = user.claims;
  const groups = Array.isArray(claims.groups) ? claims.groups : [];
  const row = (name: string, value: unknown) => html`<tr><th>${name}</th><td>${value === undefined ? html`<em>not sent</em>` : html`<code>${formatValue(value)}</code>`}</td></tr>`;
  return page('Your claims', html`
<table>
${row('tenant_id', claims.tenant_id)}
${row('email', claims.email)}
${row('name', claims.name)}
<tr><th>groups</th><td>${groups.length === 0 ? html`<em>none</em>` : html`<ul>${groups.map((group) => html`<li><code>${formatValue(group)}</code></li>`)}</ul>`}</td></tr>
${row('sub', claims.sub)}
${row('sid', claims.sid)}
</table>
<h2>All claims (ID token, then userinfo)</h2>
<pre>${JSON.stringify(claims, null, 2)}</pre>
${signOutForm()}`);
}

export function receivedPage(events: readonly ReceivedEvent[], logouts: readonly BackchannelLogoutRecord[]): string {
  return page('Events and logouts', html`
<h2>Back-channel logouts (${logouts.length})</h2>
${logouts.length === 0 ? html`<p>None yet.</p>` : html`<table>
<tr><th>received</th><th>sid</th><th>sub</th><th>sessions ended here</th></tr>
${logouts.map((logout) => html`<tr><td>${logout.receivedAt}</td><td><code>${logout.sid ?? '-'}</code></td><td><code>${logout.sub ?? '-'}</code></td><td>${logout.sessionsEnded}</td></tr>`)}
</table>`}
<h2>Directory events (${events.length})</h2>
${events.length === 0 ? html`<p>None yet.</p>` : html`<table>
<tr><th>received</th><th>type</th><th>tenant</th><th>resource</th><th>data</th></tr>
${events.map((event) => html`<tr><td>${event.receivedAt}</td><td>${event.type}</td><td><code>${event.tenantId ?? '-'}</code></td><td><code>${event.resource?.type ?? '?'} ${event.resource?.id ?? ''} v${event.resource?.version ?? '?'}</code></td><td><code>${JSON.stringify(event.data ?? {})}</code></td></tr>`)}
</table>`}`);
}

export function messagePage(title: string, message: string): string {
  return page(title, html`<p class="error">${message}</p><p><a href="/">Back to the start</a></p>`);
}

function formatValue(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}
