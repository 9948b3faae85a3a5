import { describe, expect, it } from 'vitest';
import { clearCookie, cookiesOf, setCookie } from '../../lambdas/http/cookies';
import { html, trustedHtml } from '../../lambdas/http/html';
import { httpEvent } from '../support/http-event';

describe('html template helper', () => {
  it('escapes every interpolation unless it is a fragment of its own', () => {
    const name = '<img src=x onerror=alert(1)> & "quotes"';
    const item = html`<li>${name}</li>`;
    const page = html`<ul>${[item, item]}</ul><p title="${name}">${trustedHtml('<b>ours</b>')}</p>`;
    expect(page.toString()).toBe(
      '<ul><li>&lt;img src=x onerror=alert(1)&gt; &amp; &quot;quotes&quot;</li><li>&lt;img src=x onerror=alert(1)&gt; &amp; &quot;quotes&quot;</li></ul>' +
        '<p title="&lt;img src=x onerror=alert(1)&gt; &amp; &quot;quotes&quot;"><b>ours</b></p>',
    );
  });

  it('renders nothing for absent and false values, and numbers as text', () => {
    expect(html`a${undefined}b${null}c${false}d${0}`.toString()).toBe('abcd0');
  });
});

describe('cookies', () => {
  it('reads payload-2.0 cookies and a Cookie header alike', () => {
    expect(cookiesOf(httpEvent('GET', '/', { cookies: ['a=1', 'b=x%20y'] }))).toEqual({ a: '1', b: 'x y' });
    const viaHeader = { ...httpEvent('GET', '/'), cookies: undefined, headers: { cookie: 'a=2' } };
    expect(cookiesOf(viaHeader)).toEqual({ a: '2' });
  });

  it('keeps a malformed value as sent instead of throwing', () => {
    expect(cookiesOf(httpEvent('GET', '/', { cookies: ['natoma_session=%', 'x=%E0%A4%A'] }))).toEqual({ natoma_session: '%', x: '%E0%A4%A' });
  });

  it('sets HttpOnly cookies, Secure when asked, and clears with Max-Age=0', () => {
    expect(setCookie('s', 'v 1', { secure: true, maxAgeSec: 60, sameSite: 'none' })).toBe('s=v%201; Max-Age=60; Path=/; HttpOnly; Secure; SameSite=None');
    expect(clearCookie('s', false)).toBe('s=; Max-Age=0; Path=/; HttpOnly; SameSite=Lax');
  });
});

describe('JSON answers', () => {
  it('escape markup characters so an echoed value can never be read as HTML, and parse back to the same value', async () => {
    const { json } = await import('../../lambdas/http/responses');
    const result = json(404, { error: { message: 'tenant <script>alert(1)</script> & co does not exist' } });
    expect(result.body).not.toMatch(/[<>&]/);
    expect(JSON.parse(result.body!).error.message).toBe('tenant <script>alert(1)</script> & co does not exist');
  });
});
