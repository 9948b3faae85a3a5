/// <reference lib="dom" />
/**
 * The console's only script (CSP script-src 'self'): progressive enhancement over server-rendered
 * pages. Forms marked `data-api` are sent as JSON with the session's CSRF token; an error appears in
 * words in the form's `[data-error]` slot, next to the control that caused it.
 */

/** The admin API's error answer: `{ error: { code, message, field? } }` (lambdas/admin/error-table.ts). */
interface ApiErrorBody {
  readonly error?: { readonly code?: string; readonly message?: string; readonly field?: string };
}

interface TokenRow {
  readonly tokenId: string;
  readonly hint: string;
  readonly createdAt: string;
  readonly lastUsedAt?: string;
}

interface ScimView {
  readonly enabled: boolean;
  readonly maxTokens: number;
  readonly tokens: readonly TokenRow[];
}

type Json = Record<string, unknown>;

const csrf = document.querySelector('meta[name="csrf-token"]')?.getAttribute('content') ?? '';
const live = document.getElementById('live');

function say(text: string): void {
  if (!live) return;
  live.textContent = '';
  setTimeout(() => {
    live.textContent = text;
  }, 30);
}

class ApiFailure extends Error {
  constructor(
    message: string,
    readonly field?: string,
  ) {
    super(message);
  }
}

async function api<T = Json>(method: string, url: string, body?: Json): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (method !== 'GET') headers['x-csrf-token'] = csrf;
  if (body !== undefined) headers['content-type'] = 'application/json';
  let res: Response;
  try {
    res = await fetch(url, { method, credentials: 'same-origin', headers, body: body === undefined ? undefined : JSON.stringify(body) });
  } catch {
    throw new ApiFailure('The console could not reach the server. Check your connection and try again.');
  }
  const text = await res.text();
  let data: unknown = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    data = null;
  }
  if (res.status === 401) {
    window.location.assign('/login?expired=1');
    throw new ApiFailure('Your session has ended: sign in again.');
  }
  if (!res.ok) {
    const failure = (data as ApiErrorBody | null)?.error;
    throw new ApiFailure(failure?.message ?? `The request failed (HTTP ${res.status}). Try again.`, failure?.field);
  }
  return data as T;
}

function formBody(form: HTMLFormElement): Json | undefined {
  const body: Json = {};
  let any = false;
  for (const element of Array.from(form.elements)) {
    if (!(element instanceof HTMLInputElement || element instanceof HTMLTextAreaElement || element instanceof HTMLSelectElement)) continue;
    if (!element.name || element.disabled) continue;
    if (element instanceof HTMLInputElement && element.type === 'checkbox') body[element.name] = element.checked;
    else if (element instanceof HTMLInputElement && element.type === 'radio') {
      if (!element.checked) continue;
      body[element.name] = element.value;
    } else if (element.value !== '') body[element.name] = element.value;
    else continue;
    any = true;
  }
  return any ? body : undefined;
}

const utc = (iso: string): string => iso.replace('T', ' ').replace(/\.\d+Z$/, ' UTC').replace(/Z$/, ' UTC');
const errorSlot = (form: HTMLFormElement): HTMLElement | null => form.querySelector<HTMLElement>('[data-error]');

function showError(form: HTMLFormElement, error: unknown): void {
  const message = error instanceof Error ? error.message : 'The request failed. Try again.';
  const slot = errorSlot(form);
  if (slot) {
    slot.textContent = message;
    slot.setAttribute('role', 'alert');
  }
  // The field the server named gets focus, so a keyboard or screen reader user lands where the fix is.
  const field = error instanceof ApiFailure && error.field ? form.querySelector<HTMLElement>(`[name="${CSS.escape(error.field)}"]`) : null;
  field?.focus();
  say(message);
}

function clearError(form: HTMLFormElement): void {
  const slot = errorSlot(form);
  if (slot) slot.textContent = '';
}

function cell(text: string): HTMLTableCellElement {
  const td = document.createElement('td');
  td.textContent = text;
  return td;
}

function tokenRow(token: TokenRow): HTMLTableRowElement {
  const tr = document.createElement('tr');
  tr.append(cell(token.hint), cell(utc(token.createdAt)), cell(token.lastUsedAt ? utc(token.lastUsedAt) : 'Never'));
  const form = document.createElement('form');
  form.setAttribute('data-api', `/api/scim/tokens/${encodeURIComponent(token.tokenId)}`);
  form.setAttribute('data-method', 'DELETE');
  form.setAttribute('data-then', 'tokens');
  form.setAttribute('data-confirm', 'Revoke this token? Okta stops provisioning until it has a valid token.');
  const button = document.createElement('button');
  button.type = 'submit';
  button.className = 'danger';
  button.textContent = 'Revoke';
  button.setAttribute('aria-label', `Revoke token ${token.hint}`);
  const slot = document.createElement('p');
  slot.className = 'error';
  slot.setAttribute('data-error', '');
  form.append(button, slot);
  const td = document.createElement('td');
  td.append(form);
  tr.append(td);
  return tr;
}

function renderTokens(view: ScimView): void {
  const body = document.getElementById('token-rows');
  if (!body) return;
  body.replaceChildren();
  if (view.tokens.length === 0) {
    const empty = document.createElement('tr');
    const td = cell('No active tokens.');
    td.colSpan = 4;
    empty.append(td);
    body.append(empty);
  }
  for (const token of view.tokens) body.append(tokenRow(token));
  const generate = document.getElementById('generate-token');
  const full = document.getElementById('tokens-full');
  if (generate instanceof HTMLButtonElement) generate.disabled = !view.enabled || view.tokens.length >= view.maxTokens;
  if (full) full.hidden = view.tokens.length < view.maxTokens;
}

const refreshTokens = (): Promise<void> => api<ScimView>('GET', '/api/scim').then(renderTokens);

function showToken(result: { token: string }): void {
  const panel = document.getElementById('token-panel');
  const input = document.getElementById('new-token');
  if (!panel || !(input instanceof HTMLInputElement)) return;
  input.value = result.token;
  panel.hidden = false;
  input.focus();
  input.select();
  say('Token generated. Copy it now: it will not be shown again.');
}

let testWatch: ReturnType<typeof setInterval> | undefined;
function watchTest(startedAt: string): void {
  const status = document.getElementById('test-status');
  if (status) {
    status.hidden = false;
    status.textContent = 'Finish the sign-in in the new tab. This page updates when the test comes back.';
  }
  const started = Date.now();
  if (testWatch) clearInterval(testWatch);
  testWatch = setInterval(() => {
    if (Date.now() - started > 10 * 60 * 1000) return clearInterval(testWatch);
    api<{ draft?: { test?: { at?: string } } }>('GET', '/api/sso').then(
      (view) => {
        const at = view.draft?.test?.at ?? '';
        if (at && at !== startedAt) {
          clearInterval(testWatch);
          window.location.reload();
        }
      },
      () => undefined,
    );
  }, 1500);
}

function after(then: string, result: Json): void {
  if (then === 'reload') return window.location.reload();
  if (then === 'token') {
    showToken(result as { token: string });
    void refreshTokens();
    return;
  }
  if (then === 'tokens') {
    void refreshTokens();
    return say('Token revoked.');
  }
  if (then === 'navigate' && typeof result.location === 'string') return window.location.assign(result.location);
  say('Saved.');
}

function undoToggle(form: HTMLFormElement): void {
  const toggle = form.querySelector<HTMLInputElement>('input[type=checkbox][data-autosubmit]');
  if (toggle) toggle.checked = !toggle.checked;
}

document.addEventListener('submit', (event) => {
  const form = event.target;
  if (!(form instanceof HTMLFormElement) || !form.hasAttribute('data-api')) return;
  event.preventDefault();
  const question = form.getAttribute('data-confirm');
  if (question && !window.confirm(question)) return undoToggle(form);
  const then = form.getAttribute('data-then') ?? 'reload';
  const method = form.getAttribute('data-method') ?? 'POST';
  const buttons = Array.from(form.querySelectorAll('button'));
  let testTab: Window | null = null;
  if (then === 'test') {
    testTab = window.open('about:blank', '_blank');
    if (testTab) testTab.opener = null;
  }
  clearError(form);
  for (const button of buttons) button.setAttribute('aria-busy', 'true');
  api(method, form.getAttribute('data-api') ?? '', method === 'DELETE' ? undefined : formBody(form))
    .then(
      (result) => {
        if (then !== 'test') return after(then, result);
        const testUrl = String(result.testUrl);
        const startedAt = document.getElementById('test-status')?.getAttribute('data-last-test') ?? '';
        if (!testTab) return window.location.assign(testUrl);
        testTab.location.href = testUrl;
        watchTest(startedAt);
      },
      (error: unknown) => {
        testTab?.close();
        showError(form, error);
        undoToggle(form);
      },
    )
    .finally(() => {
      for (const button of buttons) button.removeAttribute('aria-busy');
    });
});

document.addEventListener('change', (event) => {
  const element = event.target;
  if (element instanceof HTMLInputElement && element.matches('input[data-autosubmit]') && element.form) element.form.requestSubmit();
});

function legacyCopy(source: HTMLElement): void {
  if (!(source instanceof HTMLInputElement || source instanceof HTMLTextAreaElement)) return;
  source.select();
  try {
    document.execCommand('copy');
  } catch {
    // The selection stays for a manual copy.
  }
}

document.addEventListener('click', (event) => {
  const target = event.target instanceof Element ? event.target : null;
  const button = target?.closest<HTMLElement>('[data-copy]');
  if (button) {
    const source = document.getElementById(button.getAttribute('data-copy') ?? '');
    if (!source) return;
    const text = source instanceof HTMLInputElement || source instanceof HTMLTextAreaElement ? source.value : (source.textContent ?? '');
    const done = () => {
      const label = button.textContent;
      button.textContent = 'Copied';
      say('Copied to the clipboard');
      setTimeout(() => {
        button.textContent = label;
      }, 1500);
    };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(done, () => {
        legacyCopy(source);
        done();
      });
    } else {
      legacyCopy(source);
      done();
    }
    return;
  }
  const toggle = target?.closest<HTMLElement>('[data-toggle]');
  const panel = toggle ? document.getElementById(toggle.getAttribute('data-toggle') ?? '') : null;
  if (toggle && panel) {
    panel.hidden = !panel.hidden;
    toggle.setAttribute('aria-expanded', String(!panel.hidden));
  }
});

document.documentElement.setAttribute('data-ready', 'true');

export {};
