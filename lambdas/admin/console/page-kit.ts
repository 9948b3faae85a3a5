import { html, type HtmlFragment } from '../../http/html';
import type { HttpResult } from '../../http/request';
import { consoleAssets } from './assets';

/** What every signed-in page shows around its content. */
export interface Chrome {
  readonly tenantId: string;
  readonly tenantName: string;
  readonly email: string;
  readonly csrfToken: string;
}

export type NavKey = 'sso' | 'scim' | 'users' | 'groups' | 'activity' | 'plan';

const NAV: Array<[NavKey, string, string]> = [
  ['sso', 'SSO', '/sso'],
  ['scim', 'SCIM', '/scim'],
  ['users', 'Users', '/users'],
  ['groups', 'Groups', '/groups'],
  ['activity', 'Activity', '/activity'],
  ['plan', 'Plan', '/plan'],
];

/** A whole console document: our own stylesheet and script, nothing inline (the console's CSP allows no more). */
export function consoleDocument(title: string, body: HtmlFragment, csrfToken?: string): HtmlFragment {
  const assets = consoleAssets().paths;
  return html`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${title} · Natoma admin</title>
${csrfToken ? html`<meta name="csrf-token" content="${csrfToken}">` : ''}
<link rel="icon" href="data:,">
<link rel="stylesheet" href="${assets.css}">
<script src="${assets.js}" defer></script>
</head><body>
<a class="skip" href="#main">Skip to content</a>
${body}
<div id="live" class="sr-only" aria-live="polite"></div>
</body></html>`;
}

export function layout(chrome: Chrome, active: NavKey, title: string, content: HtmlFragment): HtmlFragment {
  const nav = NAV.map(([key, label, href]) => html`<li><a href="${href}"${key === active ? html` aria-current="page"` : ''}>${label}</a></li>`);
  return consoleDocument(
    title,
    html`<header class="top">
<a class="brand" href="/sso">Natoma <span aria-hidden="true">·</span> Admin</a>
<span class="tenant">${chrome.tenantName} <span class="sr-only">tenant</span>(${chrome.tenantId})</span>
<nav aria-label="Console"><ul>${nav}</ul></nav>
<div class="who"><span>Signed in as ${chrome.email}</span>
<form method="post" action="/logout"><input type="hidden" name="csrf" value="${chrome.csrfToken}"><button type="submit">Sign out</button></form></div>
</header>
<main id="main" tabindex="-1"><h1>${title}</h1>${content}</main>`,
    chrome.csrfToken,
  );
}

export const when = (iso: string | undefined, fallback = '—'): HtmlFragment | string =>
  iso ? html`<time datetime="${iso}">${iso.replace('T', ' ').replace(/\.\d+Z$/, ' UTC').replace(/Z$/, ' UTC')}</time>` : fallback;

export function copyField(id: string, label: string, value: string, hint?: string, multiline = false): HtmlFragment {
  const describedBy = hint ? html` aria-describedby="${id}-hint"` : '';
  const control = multiline
    ? html`<textarea id="${id}" class="cert" readonly${describedBy}>${value}</textarea>`
    : html`<input id="${id}" type="text" readonly value="${value}"${describedBy}>`;
  return html`<div class="field"><label for="${id}">${label}</label>
<div class="copyrow">${control}<button type="button" class="secondary" data-copy="${id}" aria-label="Copy ${label}">Copy</button></div>
${hint ? html`<p class="hint" id="${id}-hint">${hint}</p>` : ''}</div>`;
}

export const errorSlot = (id: string): HtmlFragment => html`<p class="error" id="${id}" data-error aria-live="polite"></p>`;

export function pager(base: string, params: Record<string, string | undefined>, next: string | undefined, hasPrevious: boolean): HtmlFragment | string {
  const query = (extra: Record<string, string | undefined>) => {
    const search = new URLSearchParams();
    for (const [key, value] of Object.entries({ ...params, ...extra })) if (value) search.set(key, value);
    const text = search.toString();
    return text ? `${base}?${text}` : base;
  };
  if (!hasPrevious && !next) return '';
  return html`<nav class="pager" aria-label="Pages">${hasPrevious ? html`<a class="button secondary" href="${query({ cursor: undefined })}">First page</a>` : ''}${
    next ? html`<a class="button secondary" href="${query({ cursor: next })}" rel="next">Next page</a>` : ''
  }</nav>`;
}

/** A page in plain words, inside the console's chrome when the admin is known. */
export function messagePage(chrome: Chrome | undefined, message: string, title = 'Not found'): HtmlFragment {
  const content = html`<section class="card"><p>${message}</p><p><a href="/sso">Back to the console</a></p></section>`;
  return chrome ? layout(chrome, 'sso', title, content) : consoleDocument(title, html`<main id="main" class="login"><h1>${title}</h1>${content}</main>`);
}

/** The page the error table answers for a console page. */
export const consoleErrorPage = (status: number, title: string, message: string): HttpResult => ({
  statusCode: status,
  headers: { 'content-type': 'text/html; charset=utf-8' },
  body: messagePage(undefined, message, title).markup,
});
