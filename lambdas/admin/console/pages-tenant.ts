import type { ActivityCategory, ActivityEvent } from '../../core/activity/events';
import type { Group } from '../../core/identity/group';
import { displayNameOf, primaryEmail, type User } from '../../core/identity/user';
import type { Session } from '../../core/sessions/ports';
import { html, type HtmlFragment } from '../../http/html';
import { copyField, errorSlot, layout, pager, when, type Chrome } from './page-kit';
import { sessionRef } from './queries';
import type { PlanView, ScimView } from './views';

const plural = (count: number, noun: string): string => `${count} ${noun}${count === 1 ? '' : 's'}`;
const activeBadge = (active: boolean): HtmlFragment => (active ? html`<span class="badge ok">Active</span>` : html`<span class="badge bad">Inactive</span>`);

export function scimPage(chrome: Chrome, view: ScimView): HtmlFragment {
  const rows = view.tokens.length
    ? view.tokens.map(
        (token) => html`<tr><td>${token.hint}</td><td>${when(token.createdAt)}</td><td>${when(token.lastUsedAt, 'Never')}</td><td>
<form data-api="/api/scim/tokens/${encodeURIComponent(token.tokenId)}" data-method="DELETE" data-then="tokens" data-confirm="Revoke this token? Okta stops provisioning until it has a valid token.">
<button type="submit" class="danger" aria-label="Revoke token ${token.hint}">Revoke</button>${errorSlot(`revoke-${token.tokenId}-error`)}</form></td></tr>`,
      )
    : html`<tr><td colspan="4">No active tokens.</td></tr>`;
  const full = view.tokens.length >= view.maxTokens;
  const toggleHelp = view.enableBlockedByPlan
    ? html`<p class="blocked" id="scim-toggle-help">${view.enableBlockedByPlan} <a href="/plan">See your plan</a>.</p>`
    : html`<p class="hint" id="scim-toggle-help">${view.enabled ? html`On since ${when(view.enabledAt)}.` : 'Off: SCIM requests are refused.'}</p>`;
  const content = html`<p class="lede">Let Okta create, update and deactivate users and push groups with SCIM 2.0.</p>
<section class="card" aria-labelledby="toggle-h"><h2 id="toggle-h">SCIM Integration</h2>
<form data-api="/api/scim/${view.enabled ? 'disable' : 'enable'}" data-then="reload"${view.enabled ? html` data-confirm="Turn SCIM provisioning off? Okta requests will be refused until you turn it on again."` : ''}>
<label class="switch"><input type="checkbox" role="switch" id="scim-toggle" data-autosubmit${view.enabled ? html` checked` : ''}${view.enableBlockedByPlan ? html` disabled` : ''} aria-describedby="scim-toggle-help scim-toggle-error"> SCIM Integration</label>
${toggleHelp}
${errorSlot('scim-toggle-error')}</form>
${copyField('scim-base-url', 'SCIM base URL', view.baseUrl, 'In Okta: Provisioning › Integration › SCIM connector base URL.')}
</section>
<section class="card" aria-labelledby="tokens-h"><h2 id="tokens-h">API tokens</h2>
<p>Okta sends a token with each request (Provisioning › Integration › API token). Only a hash is kept: a token is shown once, when you generate it.</p>
<form data-api="/api/scim/tokens" data-then="token"><div class="actions"><button type="submit" id="generate-token"${view.enabled && !full ? '' : html` disabled`} aria-describedby="generate-help generate-error">Generate Token</button></div>
<p class="hint" id="generate-help">${view.enabled ? '' : 'Turn SCIM Integration on first. '}At most ${view.maxTokens} tokens are active at once.</p>
<p class="hint" id="tokens-full"${full ? '' : html` hidden`}>Two tokens are active: revoke the old one once Okta uses the new one.</p>
${errorSlot('generate-error')}</form>
<div class="token" id="token-panel" hidden role="region" aria-labelledby="token-h"><h3 id="token-h">Your new token</h3>
<p><strong>Copy it now. You will not be able to see this token again.</strong> Paste it into Okta's API token field, then click Test API Credentials.</p>
<div class="copyrow"><label class="sr-only" for="new-token">New SCIM token</label><input id="new-token" type="text" readonly autocomplete="off" spellcheck="false"><button type="button" data-copy="new-token" aria-label="Copy the new token">Copy</button></div></div>
<div class="tablewrap"><table><caption class="sr-only">Active SCIM tokens</caption><thead><tr><th scope="col">Token</th><th scope="col">Created</th><th scope="col">Last used</th><th scope="col"><span class="sr-only">Actions</span></th></tr></thead>
<tbody id="token-rows">${rows}</tbody></table></div>
<h3>Rotating a token without downtime</h3>
<ol><li>Generate a second token (two can be active).</li><li>Paste it into Okta and click Test API Credentials, then Save.</li><li>When the old token's “last used” stops moving, revoke it.</li></ol>
</section>`;
  return layout(chrome, 'scim', 'SCIM provisioning', content);
}

export function planPage(chrome: Chrome, view: PlanView): HtmlFragment {
  const blocked = view.blocked.length
    ? html`<h3>Needs an upgrade</h3><ul>${view.blocked.map((item) => html`<li>${item}</li>`)}</ul>
<p>To upgrade from the free trial, ask your Natoma operator (they run <code>tenant upgrade --tenant ${view.tenantId}</code>).</p>`
    : html`<p>Everything is included in your plan.</p>`;
  const content = html`<section class="card"><h2>Your plan: ${view.plan === 'paid' ? 'Paid' : 'Free trial'}</h2>
<dl class="kv"><dt>Tenant</dt><dd>${view.name} (${view.tenantId})</dd><dt>SAML sign-in</dt><dd>${view.samlActive ? 'Active' : 'Not active'}</dd><dt>SCIM provisioning</dt><dd>${view.scimEnabled ? 'On' : 'Off'}</dd></dl>
<p>${
    view.blocked.length === 0
      ? 'Your tenant can use SAML sign-in together with SCIM provisioning.'
      : 'A free trial can set up and test SAML, and use SAML sign-in or SCIM provisioning, but not both together: using SAML as the SSO mode with provisioning needs a paid plan.'
  }</p>
${blocked}</section>`;
  return layout(chrome, 'plan', 'Plan', content);
}

interface UserRow {
  readonly user: User;
  readonly groups: Group[];
}

const groupNames = (groups: Group[]): string => (groups.length ? groups.map((group) => group.displayName).join(', ') : '—');

export function usersPage(chrome: Chrome, input: { q?: string; rows: UserRow[]; next?: string; hasPrevious: boolean; total: number; searchNote?: string }): HtmlFragment {
  const rows = input.rows.length
    ? input.rows.map(
        ({ user, groups }) => html`<tr><td><a href="/users/${encodeURIComponent(user.id)}">${displayNameOf(user)}</a>${user.isAdmin ? html` <span class="badge muted">admin</span>` : ''}</td>
<td>${primaryEmail(user) ?? user.userName}</td><td>${activeBadge(user.active)}</td>
<td>${user.source === 'scim' ? 'SCIM' : 'JIT'}</td><td class="opt">${groupNames(groups)}</td></tr>`,
      )
    : html`<tr><td colspan="5">${input.q ? 'No user matches your search.' : 'No users yet. Users appear here when Okta provisions them (SCIM) or at their first sign-in (JIT).'}</td></tr>`;
  const content = html`<section class="card">
<form class="search" method="get" action="/users" role="search"><div class="field"><label for="user-q">Search users</label>
<input id="user-q" name="q" type="search" value="${input.q ?? ''}" placeholder="Name, email or user name" aria-describedby="user-q-hint"></div>
<button type="submit">Search</button>${input.q ? html`<a class="button secondary" href="/users">Clear</a>` : ''}</form>
<p class="hint" id="user-q-hint">${plural(input.total, 'user')} in this tenant.${input.searchNote ? ` ${input.searchNote}` : ''}</p>
<div class="tablewrap"><table><caption class="sr-only">Users</caption><thead><tr><th scope="col">Name</th><th scope="col">Email</th><th scope="col">Status</th><th scope="col">Source</th><th scope="col" class="opt">Groups</th></tr></thead>
<tbody>${rows}</tbody></table></div>
${pager('/users', { q: input.q }, input.next, input.hasPrevious)}</section>`;
  return layout(chrome, 'users', 'Users', content);
}

export function userDetailPage(chrome: Chrome, input: { user: User; groups: Group[]; sessions: Session[]; self: boolean; now: Date }): HtmlFragment {
  const { user } = input;
  const userPath = `/api/users/${encodeURIComponent(user.id)}`;
  const sessions = input.sessions.length
    ? input.sessions.map((session) => {
        const id = sessionRef(session);
        const live = Date.parse(session.expiresAt) > input.now.getTime();
        return html`<tr><td>${session.kind === 'admin' ? 'Admin console' : 'App'}</td><td>${when(session.createdAt)}</td><td>${when(session.lastSeenAt)}</td><td>${live ? when(session.expiresAt) : html`<span class="badge muted">Expired</span>`}</td>
<td><form data-api="${userPath}/sessions/${id}" data-method="DELETE" data-then="reload"><button type="submit" class="danger" aria-label="Revoke session started ${session.createdAt}">Revoke</button>${errorSlot(`session-${id}-error`)}</form></td></tr>`;
      })
    : html`<tr><td colspan="5">No sessions.</td></tr>`;
  const emails = user.emails.map((email) => email.value + (email.primary ? ' (primary)' : '')).join(', ') || '—';
  const content = html`<p><a href="/users">← All users</a></p>
<section class="card"><h2>${displayNameOf(user)}</h2>
<dl class="kv"><dt>User name</dt><dd>${user.userName}</dd><dt>Emails</dt><dd>${emails}</dd>
<dt>Status</dt><dd>${activeBadge(user.active)}</dd>
<dt>Source</dt><dd>${user.source === 'scim' ? 'SCIM (Okta is the source of truth for the profile)' : 'JIT (created at sign-in)'}</dd>
<dt>External ID</dt><dd>${user.externalId ?? '—'}</dd><dt>Groups</dt><dd>${groupNames(input.groups)}</dd>
<dt>Created</dt><dd>${when(user.createdAt)}</dd><dt>Updated</dt><dd>${when(user.updatedAt)}</dd></dl>
<form data-api="${userPath}/admin" data-method="PUT" data-then="reload">
<label class="switch"><input type="checkbox" role="switch" name="isAdmin" data-autosubmit${user.isAdmin ? html` checked` : ''}${input.self ? html` disabled` : ''} aria-describedby="admin-hint admin-error"> Console administrator</label>
<p class="hint" id="admin-hint">${input.self ? 'This is you: another admin must remove your admin rights.' : 'Admins can sign in to this console with SSO.'}</p>${errorSlot('admin-error')}</form>
</section>
<section class="card"><h2>Sessions</h2>
<div class="tablewrap"><table><caption class="sr-only">Sessions of ${displayNameOf(user)}</caption><thead><tr><th scope="col">Kind</th><th scope="col">Started</th><th scope="col">Last seen</th><th scope="col">Expires</th><th scope="col"><span class="sr-only">Actions</span></th></tr></thead>
<tbody>${sessions}</tbody></table></div>
${
  input.sessions.length
    ? html`<form data-api="${userPath}/sessions" data-method="DELETE" data-then="reload" data-confirm="Sign this user out everywhere?"><div class="actions"><button type="submit" class="danger">Revoke all sessions</button></div>${errorSlot('revoke-all-error')}</form>`
    : ''
}
</section>`;
  return layout(chrome, 'users', 'User', content);
}

export function groupsPage(chrome: Chrome, input: { groups: Group[]; next?: string; hasPrevious: boolean; total: number }): HtmlFragment {
  const rows = input.groups.length
    ? input.groups.map((group) => html`<tr><td>${group.displayName}</td><td>${group.memberCount}</td><td class="opt">${group.externalId ?? '—'}</td><td>${when(group.updatedAt)}</td></tr>`)
    : html`<tr><td colspan="4">No groups yet. Groups appear here when Okta pushes them (SCIM).</td></tr>`;
  const content = html`<section class="card"><p class="hint">${plural(input.total, 'group')} in this tenant.</p>
<div class="tablewrap"><table><caption class="sr-only">Groups</caption><thead><tr><th scope="col">Name</th><th scope="col">Members</th><th scope="col" class="opt">External ID</th><th scope="col">Updated</th></tr></thead>
<tbody>${rows}</tbody></table></div>${pager('/groups', {}, input.next, input.hasPrevious)}</section>`;
  return layout(chrome, 'groups', 'Groups', content);
}

const CATEGORIES: Array<[ActivityCategory | '', string]> = [
  ['', 'All events'],
  ['provisioning', 'Provisioning (SCIM)'],
  ['sign-in', 'Sign-ins'],
  ['admin', 'Admin changes'],
];

export function activityPage(chrome: Chrome, input: { category?: ActivityCategory; events: ActivityEvent[]; next?: string; hasPrevious: boolean }): HtmlFragment {
  const options = CATEGORIES.map(([value, label]) => html`<option value="${value}"${(input.category ?? '') === value ? html` selected` : ''}>${label}</option>`);
  const rows = input.events.length
    ? input.events.map(
        (event) =>
          html`<tr><td>${when(event.at)}</td><td><span class="badge ${event.type.includes('failed') ? 'bad' : 'muted'}">${event.category}</span></td><td>${event.summary}<br><span class="hint">${event.type}</span></td><td class="opt">${event.actor}</td></tr>`,
      )
    : html`<tr><td colspan="4">No events yet.</td></tr>`;
  const content = html`<section class="card">
<form class="search" method="get" action="/activity"><div class="field"><label for="activity-category">Show</label><select id="activity-category" name="category">${options}</select></div><button type="submit">Filter</button></form>
<div class="tablewrap"><table><caption class="sr-only">Activity, newest first</caption><thead><tr><th scope="col">When</th><th scope="col">Category</th><th scope="col">What happened</th><th scope="col" class="opt">By</th></tr></thead>
<tbody>${rows}</tbody></table></div>${pager('/activity', { category: input.category }, input.next, input.hasPrevious)}</section>`;
  return layout(chrome, 'activity', 'Activity', content);
}
