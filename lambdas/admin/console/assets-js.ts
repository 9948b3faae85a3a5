/**
 * The console's only script (CSP script-src 'self'): progressive enhancement over server-rendered
 * pages. Forms marked `data-api` are sent as JSON with the session's CSRF token; an error appears in
 * words in the form's `[data-error]` slot, next to the control that caused it.
 */
export const CONSOLE_JS = String.raw`(function () {
  'use strict';
  var meta = document.querySelector('meta[name="csrf-token"]');
  var csrf = meta ? meta.getAttribute('content') : '';
  var live = document.getElementById('live');
  function say(text) { if (live) { live.textContent = ''; setTimeout(function () { live.textContent = text; }, 30); } }

  function api(method, url, body) {
    var init = { method: method, credentials: 'same-origin', headers: { 'accept': 'application/json' } };
    if (method !== 'GET') init.headers['x-csrf-token'] = csrf;
    if (body !== undefined) { init.headers['content-type'] = 'application/json'; init.body = JSON.stringify(body); }
    return fetch(url, init).then(function (res) {
      return res.text().then(function (text) {
        var data = null;
        try { data = text ? JSON.parse(text) : null; } catch (e) { data = null; }
        if (res.status === 401) { window.location.assign('/login?expired=1'); throw new Error('Your session has ended: sign in again.'); }
        if (!res.ok) {
          var message = data && data.error && data.error.message ? data.error.message : 'The request failed (HTTP ' + res.status + '). Try again.';
          var err = new Error(message); err.field = data && data.error ? data.error.field : undefined; throw err;
        }
        return data;
      });
    }, function () { throw new Error('The console could not reach the server. Check your connection and try again.'); });
  }

  function formBody(form) {
    var body = {}; var any = false;
    Array.prototype.forEach.call(form.elements, function (el) {
      if (!el.name || el.disabled) return;
      if (el.type === 'checkbox') { body[el.name] = el.checked; any = true; }
      else if (el.type === 'radio') { if (el.checked) { body[el.name] = el.value; any = true; } }
      else if (el.tagName !== 'BUTTON') { if (el.value !== '') { body[el.name] = el.value; any = true; } }
    });
    return any ? body : undefined;
  }

  function utc(iso) { return iso.replace('T', ' ').replace(/\.\d+Z$/, ' UTC').replace(/Z$/, ' UTC'); }
  function errorSlot(form) { return form.querySelector('[data-error]'); }
  function showError(form, message) {
    var slot = errorSlot(form);
    if (slot) { slot.textContent = message; slot.setAttribute('role', 'alert'); }
    say(message);
  }
  function clearError(form) { var slot = errorSlot(form); if (slot) slot.textContent = ''; }

  function renderTokens(view) {
    var body = document.getElementById('token-rows');
    if (!body) return;
    while (body.firstChild) body.removeChild(body.firstChild);
    if (!view.tokens.length) {
      var tr0 = document.createElement('tr'); var td0 = document.createElement('td'); td0.colSpan = 4; td0.textContent = 'No active tokens.'; tr0.appendChild(td0); body.appendChild(tr0);
    }
    view.tokens.forEach(function (t) {
      var tr = document.createElement('tr');
      [t.hint, utc(t.createdAt), t.lastUsedAt ? utc(t.lastUsedAt) : 'Never'].forEach(function (text) {
        var td = document.createElement('td'); td.textContent = text; tr.appendChild(td);
      });
      var td = document.createElement('td');
      var form = document.createElement('form');
      form.setAttribute('data-api', '/api/scim/tokens/' + encodeURIComponent(t.tokenId)); form.setAttribute('data-method', 'DELETE');
      form.setAttribute('data-then', 'tokens'); form.setAttribute('data-confirm', 'Revoke this token? Okta stops provisioning until it has a valid token.');
      var b = document.createElement('button'); b.type = 'submit'; b.className = 'danger'; b.textContent = 'Revoke';
      b.setAttribute('aria-label', 'Revoke token ' + t.hint);
      var p = document.createElement('p'); p.className = 'error'; p.setAttribute('data-error', '');
      form.appendChild(b); form.appendChild(p); td.appendChild(form); tr.appendChild(td); body.appendChild(tr);
    });
    var gen = document.getElementById('generate-token');
    var full = document.getElementById('tokens-full');
    if (gen) gen.disabled = !view.enabled || view.tokens.length >= view.maxTokens;
    if (full) full.hidden = view.tokens.length < view.maxTokens;
  }

  function refreshTokens() { return api('GET', '/api/scim').then(renderTokens); }

  function showToken(result) {
    var panel = document.getElementById('token-panel');
    var input = document.getElementById('new-token');
    if (!panel || !input) return;
    input.value = result.token;
    panel.hidden = false;
    input.focus(); input.select();
    say('Token generated. Copy it now: it will not be shown again.');
  }

  var testWatch = null;
  function watchTest(startedAt) {
    var status = document.getElementById('test-status');
    if (status) { status.hidden = false; status.textContent = 'Finish the sign-in in the new tab. This page updates when the test comes back.'; }
    var started = Date.now();
    if (testWatch) clearInterval(testWatch);
    testWatch = setInterval(function () {
      if (Date.now() - started > 10 * 60 * 1000) { clearInterval(testWatch); return; }
      api('GET', '/api/sso').then(function (view) {
        var at = view.draft && view.draft.test ? view.draft.test.at : '';
        if (at && at !== startedAt) { clearInterval(testWatch); window.location.reload(); }
      }, function () {});
    }, 1500);
  }

  function after(form, then, result) {
    if (then === 'reload') { window.location.reload(); return; }
    if (then === 'token') { showToken(result); refreshTokens(); return; }
    if (then === 'tokens') { refreshTokens(); say('Token revoked.'); return; }
    if (then === 'navigate' && result && result.location) { window.location.assign(result.location); return; }
    say('Saved.');
  }

  document.addEventListener('submit', function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement) || !form.hasAttribute('data-api')) return;
    event.preventDefault();
    var question = form.getAttribute('data-confirm');
    if (question && !window.confirm(question)) {
      var undo = form.querySelector('input[type=checkbox][data-autosubmit]');
      if (undo) undo.checked = !undo.checked;
      return;
    }
    var then = form.getAttribute('data-then') || 'reload';
    var method = form.getAttribute('data-method') || 'POST';
    var buttons = form.querySelectorAll('button');
    var testTab = null;
    if (then === 'test') { testTab = window.open('about:blank', '_blank'); if (testTab) testTab.opener = null; }
    clearError(form);
    Array.prototype.forEach.call(buttons, function (b) { b.setAttribute('aria-busy', 'true'); });
    api(method, form.getAttribute('data-api'), method === 'DELETE' ? undefined : formBody(form)).then(function (result) {
      if (then === 'test') {
        var marker = document.getElementById('test-status');
        var startedAt = marker ? marker.getAttribute('data-last-test') || '' : '';
        if (testTab) { testTab.location.href = result.testUrl; watchTest(startedAt); }
        else window.location.assign(result.testUrl);
        return;
      }
      after(form, then, result);
    }, function (error) {
      if (testTab) testTab.close();
      showError(form, error.message);
      var toggle = form.querySelector('input[type=checkbox][data-autosubmit]');
      if (toggle) toggle.checked = !toggle.checked;
    }).then(function () {
      Array.prototype.forEach.call(buttons, function (b) { b.removeAttribute('aria-busy'); });
    });
  });

  document.addEventListener('change', function (event) {
    var el = event.target;
    if (el && el.matches && el.matches('input[data-autosubmit]') && el.form) el.form.requestSubmit();
  });

  document.addEventListener('click', function (event) {
    var button = event.target && event.target.closest ? event.target.closest('[data-copy]') : null;
    if (button) {
      var source = document.getElementById(button.getAttribute('data-copy'));
      if (!source) return;
      var text = 'value' in source ? source.value : source.textContent;
      var done = function () { var label = button.textContent; button.textContent = 'Copied'; say('Copied to the clipboard'); setTimeout(function () { button.textContent = label; }, 1500); };
      if (navigator.clipboard && window.isSecureContext) navigator.clipboard.writeText(text).then(done, function () { legacyCopy(source); done(); });
      else { legacyCopy(source); done(); }
      return;
    }
    var toggle = event.target && event.target.closest ? event.target.closest('[data-toggle]') : null;
    if (toggle) {
      var target = document.getElementById(toggle.getAttribute('data-toggle'));
      if (target) { target.hidden = !target.hidden; toggle.setAttribute('aria-expanded', String(!target.hidden)); }
    }
  });

  function legacyCopy(source) {
    if (source.select) { source.select(); try { document.execCommand('copy'); } catch (e) { /* selection stays for a manual copy */ } }
  }

  document.documentElement.setAttribute('data-ready', 'true');
})();
`;
