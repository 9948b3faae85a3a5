import { inflateRawSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTenant } from '../../lambdas/core/tenancy/tenant-admin';
import { spUrls } from '../../lambdas/core/tenancy/urls';
import type { HttpResult } from '../../lambdas/http/request';
import { API, createSamlWorld, httpEvent, sessionCookieOf, SESSION, type SamlWorld } from './support/harness';

let world: SamlWorld;
beforeAll(async () => {
  world = await createSamlWorld();
});
afterAll(async () => world.drop());

/** A plain-words page: HTML, the correlation ID quoted, the strict page headers, nothing of a stack. */
function expectErrorPage(result: HttpResult, status: number): void {
  expect(result.statusCode).toBe(status);
  expect(result.headers?.['content-type']).toMatch(/^text\/html/);
  expect(result.body).toContain(`quote this reference: <code>${result.headers?.['x-correlation-id']}</code>`);
  expect(result.body).not.toMatch(/at \w+ \(|node_modules|Error:/);
  expect(result.headers?.['x-frame-options']).toBe('DENY');
  expect(result.headers?.['content-security-policy']).toMatch(/default-src 'none'/);
}

describe('SAML routes on the shared pipeline', () => {
  it('sends a malformed session cookie on /dashboard back to sign-in instead of failing', async () => {
    const result = await world.handle(httpEvent('GET', '/dashboard', { cookies: [`${SESSION}=%`] }));
    expect(result.statusCode).toBe(302);
    expect(result.headers?.location).toBe('/signin');
    expect(result.cookies?.[0]).toMatch(/^__Host-natoma_session=; .*Max-Age=0/);
  });

  it('signs out with a malformed session cookie instead of failing', async () => {
    const result = await world.handle(httpEvent('POST', '/logout', { cookies: [`${SESSION}=%E0%A4%A`], headers: { origin: 'https://api.natoma.test', 'sec-fetch-site': 'same-origin' } }));
    expect(result.statusCode).toBe(200);
    expect(result.body).toContain('You are signed out');
    expect(result.cookies?.[0]).toMatch(/Max-Age=0/);
  });

  it('answers an address that does not exist with the 404 page', async () => {
    expectErrorPage(await world.handle(httpEvent('GET', '/no/such/page')), 404);
  });

  it('answers a method the address does not take with 405 and the methods it does', async () => {
    const result = await world.handle(httpEvent('PUT', '/logout'));
    expectErrorPage(result, 405);
    expect(result.headers?.allow?.split(', ').sort()).toEqual(['GET', 'HEAD', 'POST']);
  });

  it('answers broken percent-encoding in the tenant segment with a 400 page', async () => {
    expectErrorPage(await world.handle(httpEvent('GET', '/saml/%E0%A4%A/metadata')), 400);
  });

  it('answers an ACS of an address that is no tenant with the 404 page', async () => {
    expectErrorPage(await world.handle(httpEvent('POST', '/saml/not-a-tenant/acs', { form: { SAMLResponse: 'x' } })), 404);
  });

  it('shows the sender’s email only as text on the sign-in page', async () => {
    const result = await world.handle(httpEvent('POST', '/signin', { form: { email: '"><script>alert(1)</script>' } }));
    expect(result.statusCode).toBe(400);
    expect(result.body).not.toContain('<script>alert(1)</script>');
    expect(result.body).toContain('&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;');
  });

  it('starts an HTTP-POST binding login with our own form page and completes it at the ACS', async () => {
    // Prepare: an IdP whose metadata offers only the HTTP-POST binding.
    const domain = `post-${Date.now()}.example.com`;
    const created = await createTenant({ tenants: world.store.tenants, activity: world.store.activity, clock: { now: () => new Date() } }, { name: 'Post Co', domains: [domain], plan: 'paid' });
    const postOnly = world.idp.metadata().replace(/<([\w:]*)SingleSignOnService [^<>]*HTTP-Redirect[^<>]*>(<\/\1SingleSignOnService>)?/g, '');
    const draft = await world.configuration.setMetadata(created.id, { xml: postOnly });
    expect(draft.ssoRedirectUrl).toBeUndefined();
    await world.configuration.recordTestOutcome(created.id, draft.configId, { status: 'passed', at: new Date().toISOString(), attributes: {}, nameId: 'setup' });
    await world.configuration.activate(created.id);

    // Act
    const start = await world.handle(httpEvent('POST', '/signin', { form: { email: `pia@${domain}` } }));

    // Assess: a page of ours that posts the AuthnRequest to the IdP, and a CSP that lets the form go only there.
    expect(start.statusCode).toBe(200);
    expect(start.body).toContain(`<form method="post" action="${world.idp.ssoUrl}">`);
    expect(start.headers?.['content-security-policy']).toContain(`form-action ${new URL(world.idp.ssoUrl).origin}`);
    const samlRequest = /name="SAMLRequest" value="([^"]+)"/.exec(start.body!)![1]!;
    const xml = inflateRawSync(Buffer.from(samlRequest, 'base64')).toString('utf8');
    const urls = spUrls(API, created.id);
    expect(xml).toContain(`AssertionConsumerServiceURL="${urls.acsUrl}"`);
    const id = /\sID="([^"]+)"/.exec(xml)![1]!;
    const response = await world.idp.response({ acsUrl: urls.acsUrl, audience: urls.spEntityId, inResponseTo: id, nameId: `pia@${domain}`, attributes: { email: `pia@${domain}` } });
    const acs = await world.postAcs(created.id, response);
    expect(acs.statusCode).toBe(303);
    expect(sessionCookieOf(acs)).toBeDefined();
  });
});
