import type { ActivityCategory, ActivityEvent } from '../../core/activity/events';
import type { Group } from '../../core/identity/group';
import type { User } from '../../core/identity/user';
import { displayNameOf, primaryEmail } from '../../core/identity/user';
import type { Session } from '../../core/sessions/ports';
import type { SamlTestOutcome } from '../../core/tenancy/tenant';
import { escapeHtml as e } from '../../http/responses';
import { ASSET_PATHS } from './assets';
import type { CertificateView, IdpConfigView, PlanView, ScimView, SsoView } from './views';

export type NavKey = 'sso' | 'scim' | 'users' | 'groups' | 'activity' | 'plan';

export interface Chrome {
  readonly tenantId: string;
  readonly tenantName: string;
  readonly email: string;
  readonly csrfToken: string;
}

const NAV: Array<[NavKey, string, string]> = [
  ['sso', 'SSO', '/sso'],
  ['scim', 'SCIM', '/scim'],
  ['users', 'Users', '/users'],
  ['groups', 'Groups', '/groups'],
  ['activity', 'Activity', '/activity'],
  ['plan', 'Plan', '/plan'],
];

function document(title: string, body: string, csrfToken?: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${e(title)} · Natoma admin</title>
${csrfToken ? `<meta name="csrf-token" content="${e(csrfToken)}">` : ''}
<link rel="icon" href="data:,">
<link rel="stylesheet" href="${ASSET_PATHS.css}">
<script src="${ASSET_PATHS.js}" defer></script>
</head><body>
<a class="skip" href="#main">Skip to content</a>
${body}
<div id="live" class="sr-only" aria-live="polite"></div>
</body></html>`;
}

export function layout(chrome: Chrome, active: NavKey, title: string, content: string): string {
  const nav = NAV.map(([key, label, href]) => `<li><a href="${href}"${key === active ? ' aria-current="page"' : ''}>${label}</a></li>`).join('');
  return document(
    title,
    `<header class="top">
<a class="brand" href="/sso">Natoma <span aria-hidden="true">·</span> Admin</a>
<span class="tenant">${e(chrome.tenantName)} <span class="sr-only">tenant</span>(${e(chrome.tenantId)})</span>
<nav aria-label="Console"><ul>${nav}</ul></nav>
<div class="who"><span>Signed in as ${e(chrome.email)}</span>
<form method="post" action="/logout"><input type="hidden" name="csrf" value="${e(chrome.csrfToken)}"><button type="submit">Sign out</button></form></div>
</header>
<main id="main" tabindex="-1"><h1>${e(title)}</h1>${content}</main>`,
    chrome.csrfToken,
  );
}

const when = (iso: string | undefined, fallback = '—'): string =>
  iso ? `<time datetime="${e(iso)}">${e(iso.replace('T', ' ').replace(/\.\d+Z$/, ' UTC').replace(/Z$/, ' UTC'))}</time>` : fallback;

function copyField(id: string, label: string, value: string, hint?: string, multiline = false): string {
  const control = multiline
    ? `<textarea id="${id}" class="cert" readonly${hint ? ` aria-describedby="${id}-hint"` : ''}>${e(value)}</textarea>`
    : `<input id="${id}" type="text" readonly value="${e(value)}"${hint ? ` aria-describedby="${id}-hint"` : ''}>`;
  return `<div class="field"><label for="${id}">${e(label)}</label>
<div class="copyrow">${control}<button type="button" class="secondary" data-copy="${id}" aria-label="Copy ${e(label)}">Copy</button></div>
${hint ? `<p class="hint" id="${id}-hint">${hint}</p>` : ''}</div>`;
}

const errorSlot = (id: string): string => `<p class="error" id="${id}" data-error aria-live="polite"></p>`;

// ---------------------------------------------------------------- sign-in

export function loginPage(options: { message?: string; kind?: 'bad' | 'warn' | 'ok'; apiUrl: string; value?: string }): string {
  const notice = options.message ? `<p class="notice ${options.kind ?? 'bad'}" role="alert">${e(options.message)}</p>` : '';
  return document(
    'Sign in',
    `<main id="main" class="login" tabindex="-1">
<h1>Natoma admin console</h1>
${notice}
<section class="card"><h2>Sign in with a link</h2>
<p>Your platform operator sends tenant admins a one-time sign-in link. It works once, for 15 minutes. Ask them for a new one if yours has expired.</p></section>
<section class="card"><h2>Sign in with SSO</h2>
<p>Once your tenant's SAML sign-in is active, admins can use it.</p>
<form method="get" action="/login/sso">
<div class="field"><label for="sso-who">Work email or tenant ID</label>
<input id="sso-who" name="who" type="text" autocomplete="email" required value="${e(options.value ?? '')}" aria-describedby="sso-who-hint">
<p class="hint" id="sso-who-hint">For example jane@example.com, or a tenant ID such as t3k9…</p></div>
<button type="submit">Sign in with SSO</button></form></section>
</main>`,
  );
}

// ---------------------------------------------------------------- SSO

function certificateList(certs: CertificateView[], idPrefix: string): string {
  if (certs.length === 0) return '<p>No certificate.</p>';
  return certs
    .map((cert, index) => {
      const status = cert.expired
        ? '<span class="badge bad">Expired</span>'
        : cert.expiresInDays !== undefined && cert.expiresInDays < 30
          ? `<span class="badge bad">Expires in ${cert.expiresInDays} days</span>`
          : '<span class="badge ok">Valid</span>';
      return `<div class="field"><p class="label">Certificate ${index + 1} ${status}</p>
<dl class="kv"><dt>Subject</dt><dd>${e(cert.subject)}</dd><dt>Expires</dt><dd>${when(cert.notAfter, 'unknown')}</dd><dt>SHA-256</dt><dd>${e(cert.sha256Fingerprint)}</dd></dl>
${copyField(`${idPrefix}-${index}`, `Certificate ${index + 1} (PEM)`, cert.pem, undefined, true)}</div>`;
    })
    .join('');
}

function idpDetails(config: IdpConfigView, idPrefix: string): string {
  return `<dl class="kv"><dt>IdP entity ID</dt><dd>${e(config.entityId)}</dd>
<dt>IdP sign-in URL</dt><dd>${e(config.ssoUrl ?? '—')}</dd>
<dt>Metadata</dt><dd>${config.metadataUrl ? e(config.metadataUrl) : 'pasted XML'}</dd>
<dt>Imported</dt><dd>${when(config.importedAt)}</dd></dl>
<h3>IdP signing certificates</h3>${certificateList(config.certificates, idPrefix)}`;
}

function testOutcome(test: SamlTestOutcome | undefined): string {
  if (!test) return '<p class="notice warn">Not tested yet. Click <strong>Test SAML</strong> and sign in at your IdP.</p>';
  if (test.status === 'passed') {
    const attributes = Object.entries(test.attributes)
      .map(([name, values]) => `<dt>${e(name)}</dt><dd>${e(values.join(', '))}</dd>`)
      .join('');
    return `<div class="notice ok" id="test-result" role="status"><strong>Test passed</strong> ${when(test.at)}. Signed in as ${e(test.nameId)}.</div>
${attributes ? `<h3>Attributes received</h3><dl class="kv">${attributes}</dl>` : ''}`;
  }
  const problems = test.problems
    .map(
      (problem) => `<li>${e(problem.message)}${problem.expected !== undefined ? `<br>Expected: <code>${e(problem.expected)}</code>` : ''}${
        problem.received !== undefined ? `<br>Received: <code>${e(problem.received)}</code>` : ''
      }</li>`,
    )
    .join('');
  return `<div class="notice bad" id="test-result" role="status"><strong>Test failed</strong> ${when(test.at)}. Fix the following and test again:</div><ul class="problems">${problems}</ul>`;
}

export function ssoPage(chrome: Chrome, view: SsoView): string {
  const draft = view.draft;
  const lastTest = draft?.test?.at ?? '';
  const updateHelp = view.activationBlockedByPlan
    ? `<p class="blocked" id="update-help">${e(view.activationBlockedByPlan)}</p>`
    : !draft
      ? '<p class="hint" id="update-help">Update is available once a new IdP configuration has passed Test SAML.</p>'
      : draft.test?.status !== 'passed'
        ? '<p class="hint" id="update-help">Update is enabled once this configuration passes Test SAML.</p>'
        : '<p class="hint" id="update-help">The test passed: Update makes this configuration the one your users sign in with.</p>';
  const content = `<p class="lede">Connect your identity provider (Okta) to Natoma with SAML 2.0.</p>
<div class="steps">
<section class="card" aria-labelledby="sp-h"><h2 id="sp-h">Copy these values into Okta</h2>
${copyField('tenant-id', 'Tenant ID', view.tenantId, 'Okta\'s Natoma app asks for this tenant ID.')}
${copyField('sp-entity-id', 'SP Entity ID (Audience URI)', view.spEntityId)}
${copyField('acs-url', 'ACS URL (Single sign-on URL)', view.acsUrl)}
${copyField('sp-metadata-url', 'SP metadata URL', view.spMetadataUrl)}
${copyField('sign-in-url', 'Sign-in URL', view.signInUrl, 'Where your users start: they enter their work email.')}
${copyField('initiate-login-url', 'Initiate login URI', view.initiateLoginUrl, 'In Okta: General › App Settings › Initiate login URI (login from the Okta tile).')}
<button type="button" class="secondary" data-toggle="sp-certs" aria-expanded="false" aria-controls="sp-certs">Show SP certificate</button>
<div id="sp-certs" hidden><h3>SP certificate</h3>${certificateList(view.spCertificates, 'sp-cert')}</div>
</section>
<section class="card" aria-labelledby="idp-h"><h2 id="idp-h">Add your IdP's metadata</h2>
<form data-api="/api/sso/metadata" data-method="PUT" data-then="reload">
<div class="field"><label for="metadata-url">IdP metadata URL</label>
<input id="metadata-url" name="url" type="url" inputmode="url" placeholder="https://your-org.okta.com/app/…/sso/saml/metadata" aria-describedby="metadata-url-hint metadata-error">
<p class="hint" id="metadata-url-hint">In Okta: the application's Sign On tab › Metadata URL.</p></div>
<details><summary>Or paste the metadata XML</summary>
<div class="field"><label for="metadata-xml">IdP metadata XML</label><textarea id="metadata-xml" name="xml" spellcheck="false" aria-describedby="metadata-error"></textarea></div></details>
<div class="actions"><button type="submit">Save metadata</button></div>
${errorSlot('metadata-error')}</form>
${draft ? `<h3>Draft configuration (not active yet)</h3>${idpDetails(draft, 'draft-cert')}` : '<p class="hint">No draft: save your IdP\'s metadata first.</p>'}
</section>
<section class="card" aria-labelledby="test-h"><h2 id="test-h">Test SAML, then Update</h2>
${draft ? testOutcome(draft.test) : ''}
<p class="notice warn" id="test-status" data-last-test="${e(lastTest)}" hidden role="status"></p>
<div class="two">
<form data-api="/api/sso/test" data-then="test"><button type="submit" id="test-saml"${draft ? '' : ' disabled aria-describedby="test-help"'}>Test SAML</button>
${draft ? '<p class="hint">Opens a real sign-in at your IdP in a new tab, against the draft.</p>' : '<p class="hint" id="test-help">Save your IdP\'s metadata first.</p>'}
${errorSlot('test-error')}</form>
<form data-api="/api/sso/activate" data-then="reload"><button type="submit" id="update-sso"${view.canActivate ? '' : ' disabled'} aria-describedby="update-help">Update</button>
${updateHelp}${errorSlot('activate-error')}</form>
</div></section>
</div>
<section class="card" aria-labelledby="active-h"><h2 id="active-h">Active configuration</h2>
${view.active ? `<p><span class="badge ok">Active</span> Your users sign in with this IdP.</p>${idpDetails(view.active, 'active-cert')}` : '<p><span class="badge muted">None</span> SAML sign-in is not active yet.</p>'}
${view.previous ? `<form data-api="/api/sso/rollback" data-then="reload" data-confirm="Go back to the previous IdP configuration (${e(view.previous.entityId)})?"><div class="actions"><button type="submit" class="secondary">Roll back to the previous configuration</button></div>${errorSlot('rollback-error')}</form>` : ''}
</section>
<section class="card" aria-labelledby="opts-h"><h2 id="opts-h">Sign-in options</h2>
<form data-api="/api/sso/settings" data-method="PATCH" data-then="none"><label class="switch"><input type="checkbox" role="switch" name="allowIdpInitiated" data-autosubmit${view.allowIdpInitiated ? ' checked' : ''} aria-describedby="idp-init-hint"> Allow IdP-initiated sign-in (Okta tile)</label>
<p class="hint" id="idp-init-hint">Okta tiles post straight to the ACS. Each response is accepted once.</p>${errorSlot('idp-init-error')}</form>
<form data-api="/api/sso/settings" data-method="PATCH" data-then="none"><label class="switch"><input type="checkbox" role="switch" name="jitProvisioning" data-autosubmit${view.jitProvisioning ? ' checked' : ''} aria-describedby="jit-hint"> Just-in-time provisioning</label>
<p class="hint" id="jit-hint">Creates a user at first sign-in from the email and name attributes. When it is off, only existing users can sign in.</p>${errorSlot('jit-error')}</form>
</section>`;
  return layout(chrome, 'sso', 'SSO', content);
}

// ---------------------------------------------------------------- SCIM

export function scimPage(chrome: Chrome, view: ScimView): string {
  const rows = view.tokens.length
    ? view.tokens
        .map(
          (token) => `<tr><td>${e(token.hint)}</td><td>${when(token.createdAt)}</td><td>${when(token.lastUsedAt, 'Never')}</td><td>
<form data-api="/api/scim/tokens/${encodeURIComponent(token.tokenId)}" data-method="DELETE" data-then="tokens" data-confirm="Revoke this token? Okta stops provisioning until it has a valid token.">
<button type="submit" class="danger" aria-label="Revoke token ${e(token.hint)}">Revoke</button>${errorSlot(`revoke-${e(token.tokenId)}-error`)}</form></td></tr>`,
        )
        .join('')
    : '<tr><td colspan="4">No active tokens.</td></tr>';
  const full = view.tokens.length >= view.maxTokens;
  const content = `<p class="lede">Let Okta create, update and deactivate users and push groups with SCIM 2.0.</p>
<section class="card" aria-labelledby="toggle-h"><h2 id="toggle-h">SCIM Integration</h2>
<form data-api="/api/scim/${view.enabled ? 'disable' : 'enable'}" data-then="reload"${view.enabled ? ' data-confirm="Turn SCIM provisioning off? Okta requests will be refused until you turn it on again."' : ''}>
<label class="switch"><input type="checkbox" role="switch" id="scim-toggle" data-autosubmit${view.enabled ? ' checked' : ''}${view.enableBlockedByPlan ? ' disabled' : ''} aria-describedby="scim-toggle-help scim-toggle-error"> SCIM Integration</label>
${view.enableBlockedByPlan ? `<p class="blocked" id="scim-toggle-help">${e(view.enableBlockedByPlan)} <a href="/plan">See your plan</a>.</p>` : `<p class="hint" id="scim-toggle-help">${view.enabled ? `On since ${when(view.enabledAt)}.` : 'Off: SCIM requests are refused.'}</p>`}
${errorSlot('scim-toggle-error')}</form>
${copyField('scim-base-url', 'SCIM base URL', view.baseUrl, 'In Okta: Provisioning › Integration › SCIM connector base URL.')}
</section>
<section class="card" aria-labelledby="tokens-h"><h2 id="tokens-h">API tokens</h2>
<p>Okta sends a token with each request (Provisioning › Integration › API token). Only a hash is kept: a token is shown once, when you generate it.</p>
<form data-api="/api/scim/tokens" data-then="token"><div class="actions"><button type="submit" id="generate-token"${view.enabled && !full ? '' : ' disabled'} aria-describedby="generate-help generate-error">Generate Token</button></div>
<p class="hint" id="generate-help">${view.enabled ? '' : 'Turn SCIM Integration on first. '}At most ${view.maxTokens} tokens are active at once.</p>
<p class="hint" id="tokens-full"${full ? '' : ' hidden'}>Two tokens are active: revoke the old one once Okta uses the new one.</p>
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

// ---------------------------------------------------------------- plan

export function planPage(chrome: Chrome, view: PlanView): string {
  const blocked = view.blocked.length
    ? `<h3>Needs an upgrade</h3><ul>${view.blocked.map((item) => `<li>${e(item)}</li>`).join('')}</ul>
<p>To upgrade from the free trial, ask your Natoma operator (they run <code>tenant upgrade --tenant ${e(view.tenantId)}</code>).</p>`
    : '<p>Everything is included in your plan.</p>';
  const content = `<section class="card"><h2>Your plan: ${view.plan === 'paid' ? 'Paid' : 'Free trial'}</h2>
<dl class="kv"><dt>Tenant</dt><dd>${e(view.name)} (${e(view.tenantId)})</dd><dt>SAML sign-in</dt><dd>${view.samlActive ? 'Active' : 'Not active'}</dd><dt>SCIM provisioning</dt><dd>${view.scimEnabled ? 'On' : 'Off'}</dd></dl>
<p>${view.plan === 'paid' ? 'Your tenant can use SAML sign-in together with SCIM provisioning.' : 'A free trial can set up and test SAML, and use SAML sign-in or SCIM provisioning, but not both together: using SAML as the SSO mode with provisioning needs a paid plan.'}</p>
${blocked}</section>`;
  return layout(chrome, 'plan', 'Plan', content);
}

// ---------------------------------------------------------------- users and groups

export interface UserRow {
  readonly user: User;
  readonly groups: Group[];
}

function pager(base: string, params: Record<string, string | undefined>, next: string | undefined, hasPrevious: boolean): string {
  const query = (extra: Record<string, string | undefined>) => {
    const search = new URLSearchParams();
    for (const [key, value] of Object.entries({ ...params, ...extra })) if (value) search.set(key, value);
    const text = search.toString();
    return text ? `${base}?${text}` : base;
  };
  const links = [hasPrevious ? `<a class="button secondary" href="${e(query({ cursor: undefined }))}">First page</a>` : '', next ? `<a class="button secondary" href="${e(query({ cursor: next }))}" rel="next">Next page</a>` : ''].join('');
  return links ? `<nav class="pager" aria-label="Pages">${links}</nav>` : '';
}

export function usersPage(chrome: Chrome, input: { q?: string; rows: UserRow[]; next?: string; hasPrevious: boolean; total: number; searchNote?: string }): string {
  const rows = input.rows.length
    ? input.rows
        .map(
          ({ user, groups }) => `<tr><td><a href="/users/${encodeURIComponent(user.id)}">${e(displayNameOf(user))}</a>${user.isAdmin ? ' <span class="badge muted">admin</span>' : ''}</td>
<td>${e(primaryEmail(user) ?? user.userName)}</td><td>${user.active ? '<span class="badge ok">Active</span>' : '<span class="badge bad">Inactive</span>'}</td>
<td>${user.source === 'scim' ? 'SCIM' : 'JIT'}</td><td class="opt">${groups.length ? e(groups.map((group) => group.displayName).join(', ')) : '—'}</td></tr>`,
        )
        .join('')
    : `<tr><td colspan="5">${input.q ? 'No user matches your search.' : 'No users yet. Users appear here when Okta provisions them (SCIM) or at their first sign-in (JIT).'}</td></tr>`;
  const content = `<section class="card">
<form class="search" method="get" action="/users" role="search"><div class="field"><label for="user-q">Search users</label>
<input id="user-q" name="q" type="search" value="${e(input.q ?? '')}" placeholder="Name, email or user name" aria-describedby="user-q-hint"></div>
<button type="submit">Search</button>${input.q ? '<a class="button secondary" href="/users">Clear</a>' : ''}</form>
<p class="hint" id="user-q-hint">${input.total} user${input.total === 1 ? '' : 's'} in this tenant.${input.searchNote ? ` ${e(input.searchNote)}` : ''}</p>
<div class="tablewrap"><table><caption class="sr-only">Users</caption><thead><tr><th scope="col">Name</th><th scope="col">Email</th><th scope="col">Status</th><th scope="col">Source</th><th scope="col" class="opt">Groups</th></tr></thead>
<tbody>${rows}</tbody></table></div>
${pager('/users', { q: input.q }, input.next, input.hasPrevious)}</section>`;
  return layout(chrome, 'users', 'Users', content);
}

export function userDetailPage(chrome: Chrome, input: { user: User; groups: Group[]; sessions: Session[]; self: boolean; now: Date }): string {
  const { user } = input;
  const sessions = input.sessions.length
    ? input.sessions
        .map((session) => {
          const id = session.sessionHash.slice(0, 16);
          const live = Date.parse(session.expiresAt) > input.now.getTime();
          return `<tr><td>${session.kind === 'admin' ? 'Admin console' : 'App'}</td><td>${when(session.createdAt)}</td><td>${when(session.lastSeenAt)}</td><td>${live ? when(session.expiresAt) : '<span class="badge muted">Expired</span>'}</td>
<td><form data-api="/api/users/${encodeURIComponent(user.id)}/sessions/${id}" data-method="DELETE" data-then="reload"><button type="submit" class="danger" aria-label="Revoke session started ${e(session.createdAt)}">Revoke</button>${errorSlot(`session-${id}-error`)}</form></td></tr>`;
        })
        .join('')
    : '<tr><td colspan="5">No sessions.</td></tr>';
  const emails = user.emails.map((email) => e(email.value) + (email.primary ? ' (primary)' : '')).join(', ') || '—';
  const content = `<p><a href="/users">← All users</a></p>
<section class="card"><h2>${e(displayNameOf(user))}</h2>
<dl class="kv"><dt>User name</dt><dd>${e(user.userName)}</dd><dt>Emails</dt><dd>${emails}</dd>
<dt>Status</dt><dd>${user.active ? '<span class="badge ok">Active</span>' : '<span class="badge bad">Inactive</span>'}</dd>
<dt>Source</dt><dd>${user.source === 'scim' ? 'SCIM (Okta is the source of truth for the profile)' : 'JIT (created at sign-in)'}</dd>
<dt>External ID</dt><dd>${e(user.externalId ?? '—')}</dd><dt>Groups</dt><dd>${input.groups.length ? e(input.groups.map((group) => group.displayName).join(', ')) : '—'}</dd>
<dt>Created</dt><dd>${when(user.createdAt)}</dd><dt>Updated</dt><dd>${when(user.updatedAt)}</dd></dl>
<form data-api="/api/users/${encodeURIComponent(user.id)}/admin" data-method="PUT" data-then="reload">
<label class="switch"><input type="checkbox" role="switch" name="isAdmin" data-autosubmit${user.isAdmin ? ' checked' : ''}${input.self ? ' disabled' : ''} aria-describedby="admin-hint admin-error"> Console administrator</label>
<p class="hint" id="admin-hint">${input.self ? 'This is you: another admin must remove your admin rights.' : 'Admins can sign in to this console with SSO.'}</p>${errorSlot('admin-error')}</form>
</section>
<section class="card"><h2>Sessions</h2>
<div class="tablewrap"><table><caption class="sr-only">Sessions of ${e(displayNameOf(user))}</caption><thead><tr><th scope="col">Kind</th><th scope="col">Started</th><th scope="col">Last seen</th><th scope="col">Expires</th><th scope="col"><span class="sr-only">Actions</span></th></tr></thead>
<tbody>${sessions}</tbody></table></div>
${input.sessions.length ? `<form data-api="/api/users/${encodeURIComponent(user.id)}/sessions" data-method="DELETE" data-then="reload" data-confirm="Sign this user out everywhere?"><div class="actions"><button type="submit" class="danger">Revoke all sessions</button></div>${errorSlot('revoke-all-error')}</form>` : ''}
</section>`;
  return layout(chrome, 'users', 'User', content);
}

export function groupsPage(chrome: Chrome, input: { groups: Group[]; next?: string; hasPrevious: boolean; total: number }): string {
  const rows = input.groups.length
    ? input.groups.map((group) => `<tr><td>${e(group.displayName)}</td><td>${group.memberCount}</td><td class="opt">${e(group.externalId ?? '—')}</td><td>${when(group.updatedAt)}</td></tr>`).join('')
    : '<tr><td colspan="4">No groups yet. Groups appear here when Okta pushes them (SCIM).</td></tr>';
  const content = `<section class="card"><p class="hint">${input.total} group${input.total === 1 ? '' : 's'} in this tenant.</p>
<div class="tablewrap"><table><caption class="sr-only">Groups</caption><thead><tr><th scope="col">Name</th><th scope="col">Members</th><th scope="col" class="opt">External ID</th><th scope="col">Updated</th></tr></thead>
<tbody>${rows}</tbody></table></div>${pager('/groups', {}, input.next, input.hasPrevious)}</section>`;
  return layout(chrome, 'groups', 'Groups', content);
}

// ---------------------------------------------------------------- activity

const CATEGORIES: Array<[ActivityCategory | '', string]> = [
  ['', 'All events'],
  ['provisioning', 'Provisioning (SCIM)'],
  ['sign-in', 'Sign-ins'],
  ['admin', 'Admin changes'],
];

export function activityPage(chrome: Chrome, input: { category?: ActivityCategory; events: ActivityEvent[]; next?: string; hasPrevious: boolean }): string {
  const options = CATEGORIES.map(([value, label]) => `<option value="${value}"${(input.category ?? '') === value ? ' selected' : ''}>${label}</option>`).join('');
  const rows = input.events.length
    ? input.events
        .map(
          (event) => `<tr><td>${when(event.at)}</td><td><span class="badge ${event.type.includes('failed') ? 'bad' : 'muted'}">${e(event.category)}</span></td><td>${e(event.summary)}<br><span class="hint">${e(event.type)}</span></td><td class="opt">${e(event.actor)}</td></tr>`,
        )
        .join('')
    : '<tr><td colspan="4">No events yet.</td></tr>';
  const content = `<section class="card">
<form class="search" method="get" action="/activity"><div class="field"><label for="activity-category">Show</label><select id="activity-category" name="category">${options}</select></div><button type="submit">Filter</button></form>
<div class="tablewrap"><table><caption class="sr-only">Activity, newest first</caption><thead><tr><th scope="col">When</th><th scope="col">Category</th><th scope="col">What happened</th><th scope="col" class="opt">By</th></tr></thead>
<tbody>${rows}</tbody></table></div>${pager('/activity', { category: input.category }, input.next, input.hasPrevious)}</section>`;
  return layout(chrome, 'activity', 'Activity', content);
}

export function notFoundPage(chrome: Chrome | undefined, message: string, title = 'Not found'): string {
  const content = `<section class="card"><p>${e(message)}</p><p><a href="/sso">Back to the console</a></p></section>`;
  return chrome ? layout(chrome, 'sso', title, content) : document(title, `<main id="main" class="login"><h1>${e(title)}</h1>${content}</main>`);
}
