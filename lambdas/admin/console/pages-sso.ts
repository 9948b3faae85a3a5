import type { SamlTestOutcome } from '../../core/tenancy/tenant';
import { html, type HtmlFragment } from '../../http/html';
import { consoleDocument, copyField, errorSlot, layout, when, type Chrome } from './page-kit';
import type { CertificateView, IdpConfigView, SsoView } from './views';

export function loginPage(options: { message?: string; kind?: 'bad' | 'warn' | 'ok'; value?: string }): HtmlFragment {
  const notice = options.message ? html`<p class="notice ${options.kind ?? 'bad'}" role="alert">${options.message}</p>` : '';
  return consoleDocument(
    'Sign in',
    html`<main id="main" class="login" tabindex="-1">
<h1>Natoma admin console</h1>
${notice}
<section class="card"><h2>Sign in with a link</h2>
<p>Your platform operator sends tenant admins a one-time sign-in link. It works once, for 15 minutes. Ask them for a new one if yours has expired.</p></section>
<section class="card"><h2>Sign in with SSO</h2>
<p>Once your tenant's SAML sign-in is active, admins can use it.</p>
<form method="get" action="/login/sso">
<div class="field"><label for="sso-who">Work email or tenant ID</label>
<input id="sso-who" name="who" type="text" autocomplete="email" required value="${options.value ?? ''}" aria-describedby="sso-who-hint">
<p class="hint" id="sso-who-hint">For example jane@example.com, or a tenant ID such as t3k9…</p></div>
<button type="submit">Sign in with SSO</button></form></section>
</main>`,
  );
}

/**
 * What a one-time sign-in link (or an admin's SSO hand-over) opens: who signs in where, and a button. Only
 * the POST it sends signs in, so a link scanner's GET spends nothing and another site cannot sign the
 * browser in (the POST must come from this page: routes.ts checks Origin and Sec-Fetch-Site).
 */
export function continueSignInPage(input: { tenantName: string; email: string; token: string }): HtmlFragment {
  return consoleDocument(
    'Continue signing in',
    html`<main id="main" class="login" tabindex="-1">
<h1>Natoma admin console</h1>
<section class="card"><h2>Sign in to ${input.tenantName}</h2>
<p>You are about to sign in to the admin console of <strong data-field="tenant">${input.tenantName}</strong> as <strong data-field="email">${input.email}</strong>.</p>
<form method="post" action="/login"><input type="hidden" name="token" value="${input.token}"><button type="submit">Continue</button></form>
<p class="hint">If you did not ask to sign in, close this page: nothing happens until you continue.</p></section>
</main>`,
  );
}

function certificateStatus(cert: CertificateView): HtmlFragment {
  if (cert.trustedUntil) return html`<span class="badge warn" data-status="withdrawn">No longer published by the IdP: trusted until ${when(cert.trustedUntil)}</span>`;
  if (cert.expired) return html`<span class="badge bad">Expired</span>`;
  if (cert.expiresInDays !== undefined && cert.expiresInDays < 30) return html`<span class="badge bad">Expires in ${cert.expiresInDays} days</span>`;
  return html`<span class="badge ok">Valid</span>`;
}

function certificateList(certs: CertificateView[], idPrefix: string): HtmlFragment {
  if (certs.length === 0) return html`<p>No certificate.</p>`;
  return html`${certs.map(
    (cert, index) => html`<div class="field"><p class="label">Certificate ${index + 1} ${certificateStatus(cert)}</p>
<dl class="kv"><dt>Subject</dt><dd>${cert.subject}</dd><dt>Expires</dt><dd>${when(cert.notAfter, 'unknown')}</dd><dt>SHA-256</dt><dd>${cert.sha256Fingerprint}</dd></dl>
${copyField(`${idPrefix}-${index}`, `Certificate ${index + 1} (PEM)`, cert.pem, undefined, true)}</div>`,
  )}`;
}

function idpDetails(config: IdpConfigView, idPrefix: string): HtmlFragment {
  return html`<dl class="kv"><dt>IdP entity ID</dt><dd>${config.entityId}</dd>
<dt>IdP sign-in URL</dt><dd>${config.ssoUrl ?? '—'}</dd>
<dt>Metadata</dt><dd>${config.metadataUrl ?? 'pasted XML'}</dd>
<dt>Imported</dt><dd>${when(config.importedAt)}</dd></dl>
<h3>IdP signing certificates</h3>${certificateList(config.certificates, idPrefix)}`;
}

function testOutcome(test: SamlTestOutcome | undefined): HtmlFragment {
  if (!test) return html`<p class="notice warn">Not tested yet. Click <strong>Test SAML</strong> and sign in at your IdP.</p>`;
  if (test.status === 'passed') {
    const attributes = Object.entries(test.attributes).map(([name, values]) => html`<dt>${name}</dt><dd>${values.join(', ')}</dd>`);
    const advice = (test.advice ?? []).map((item) => html`<p class="notice warn" data-advice="${item.code}">${item.message}.</p>`);
    return html`<div class="notice ok" id="test-result" role="status"><strong>Test passed</strong> ${when(test.at)}. Signed in as ${test.nameId}.</div>${advice}
${attributes.length ? html`<h3>Attributes received</h3><dl class="kv">${attributes}</dl>` : ''}`;
  }
  const problems = test.problems.map(
    (problem) =>
      html`<li>${problem.message}${problem.expected !== undefined ? html`<br>Expected: <code>${problem.expected}</code>` : ''}${
        problem.received !== undefined ? html`<br>Received: <code>${problem.received}</code>` : ''
      }</li>`,
  );
  return html`<div class="notice bad" id="test-result" role="status"><strong>Test failed</strong> ${when(test.at)}. Fix the following and test again:</div><ul class="problems">${problems}</ul>`;
}

function updateHelp(view: SsoView): HtmlFragment {
  if (view.activationBlockedByPlan) return html`<p class="blocked" id="update-help">${view.activationBlockedByPlan}</p>`;
  if (!view.draft) return html`<p class="hint" id="update-help">Update is available once a new IdP configuration has passed Test SAML.</p>`;
  if (view.draft.test?.status !== 'passed') return html`<p class="hint" id="update-help">Update is enabled once this configuration passes Test SAML.</p>`;
  return html`<p class="hint" id="update-help">The test passed: Update makes this configuration the one your users sign in with.</p>`;
}

function settingSwitch(name: 'allowIdpInitiated' | 'jitProvisioning', checked: boolean, label: string, hintId: string, hint: string, errorId: string): HtmlFragment {
  return html`<form data-api="/api/sso/settings" data-method="PATCH" data-then="none"><label class="switch"><input type="checkbox" role="switch" name="${name}" data-autosubmit${checked ? html` checked` : ''} aria-describedby="${hintId}"> ${label}</label>
<p class="hint" id="${hintId}">${hint}</p>${errorSlot(errorId)}</form>`;
}

export function ssoPage(chrome: Chrome, view: SsoView): HtmlFragment {
  const draft = view.draft;
  const content = html`<p class="lede">Connect your identity provider (Okta) to Natoma with SAML 2.0.</p>
<div class="steps">
<section class="card" aria-labelledby="sp-h"><h2 id="sp-h">Copy these values into Okta</h2>
${copyField('tenant-id', 'Tenant ID', view.tenantId, "Okta's Natoma app asks for this tenant ID.")}
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
${draft ? html`<h3>Draft configuration (not active yet)</h3>${idpDetails(draft, 'draft-cert')}` : html`<p class="hint">No draft: save your IdP's metadata first.</p>`}
</section>
<section class="card" aria-labelledby="test-h"><h2 id="test-h">Test SAML, then Update</h2>
${draft ? testOutcome(draft.test) : ''}
<p class="notice warn" id="test-status" data-last-test="${draft?.test?.at ?? ''}" hidden role="status"></p>
<div class="two">
<form data-api="/api/sso/test" data-then="test"><button type="submit" id="test-saml"${draft ? '' : html` disabled aria-describedby="test-help"`}>Test SAML</button>
${draft ? html`<p class="hint">Opens a real sign-in at your IdP in a new tab, against the draft.</p>` : html`<p class="hint" id="test-help">Save your IdP's metadata first.</p>`}
${errorSlot('test-error')}</form>
<form data-api="/api/sso/activate" data-then="reload"><button type="submit" id="update-sso"${view.canActivate ? '' : html` disabled`} aria-describedby="update-help">Update</button>
${updateHelp(view)}${errorSlot('activate-error')}</form>
</div></section>
</div>
<section class="card" aria-labelledby="active-h"><h2 id="active-h">Active configuration</h2>
${view.active ? html`<p><span class="badge ok">Active</span> Your users sign in with this IdP.</p>${idpDetails(view.active, 'active-cert')}` : html`<p><span class="badge muted">None</span> SAML sign-in is not active yet.</p>`}
${view.certificateChanges.length ? html`<h3>Recent certificate changes</h3><ul id="certificate-changes">${view.certificateChanges.map((change) => html`<li>${when(change.at)}: ${change.summary}</li>`)}</ul>` : ''}
${
  view.previous
    ? html`<form data-api="/api/sso/rollback" data-then="reload" data-confirm="Go back to the previous IdP configuration (${view.previous.entityId})?"><div class="actions"><button type="submit" class="secondary">Roll back to the previous configuration</button></div>${errorSlot('rollback-error')}</form>`
    : ''
}
</section>
<section class="card" aria-labelledby="opts-h"><h2 id="opts-h">Sign-in options</h2>
${settingSwitch('allowIdpInitiated', view.allowIdpInitiated, 'Allow IdP-initiated sign-in (Okta tile)', 'idp-init-hint', 'Okta tiles post straight to the ACS. Each response is accepted once.', 'idp-init-error')}
${settingSwitch('jitProvisioning', view.jitProvisioning, 'Just-in-time provisioning', 'jit-hint', 'Creates a user at first sign-in from the email and name attributes. When it is off, only existing users can sign in.', 'jit-error')}
</section>`;
  return layout(chrome, 'sso', 'SSO', content);
}
