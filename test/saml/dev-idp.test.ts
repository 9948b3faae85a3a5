import { stat } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../lambdas/core/clock';
import { createTenant } from '../../lambdas/core/tenancy/tenant-admin';
import { startMiniTwin, type MiniTwin } from './support/mini-twin';

describe('development IdP mounted beside the SAML handler (over HTTP, without a browser)', () => {
  let twin: MiniTwin;
  beforeAll(async () => (twin = await startMiniTwin()));
  afterAll(async () => twin.stop());

  const hidden = (html: string, name: string) => new RegExp(`name="${name}" value="([^"]*)"`).exec(html)?.[1]?.replace(/&amp;/g, '&').replace(/&quot;/g, '"');

  it('keeps its key owner-only under the data directory and serves metadata', async () => {
    expect((await stat(`${twin.dataDir}/dev-idp/idp-key.json`)).mode & 0o077).toBe(0);
    const metadata = await (await fetch(twin.devIdp.metadataUrl)).text();
    expect(metadata).toContain(`entityID="${twin.devIdp.entityId}"`);
  });

  it('runs metadata URL import, Test SAML, Update, SP- and IdP-initiated sign-in', async () => {
    const { base, configuration } = twin;
    const tenant = await createTenant({ tenants: twin.store.tenants, activity: twin.store.activity, clock: systemClock }, { name: 'Dev Co', domains: ['dev-co.example.com'], plan: 'paid' });
    await configuration.setMetadata(tenant.id, { url: twin.devIdp.metadataUrl });

    const signInAtIdp = async (start: Response, email: string) => {
      const idpPage = await (await fetch(start.headers.get('location')!)).text();
      const posted = await fetch(`${base}/_dev-idp/sso/continue`, { method: 'POST', body: new URLSearchParams({ token: hidden(idpPage, 'token')!, email, firstName: 'Dana', lastName: 'Dev' }) });
      // The browser that started the login carries its login binding cookie to the ACS.
      const binding = start.headers.getSetCookie().find((line) => line.startsWith('natoma_login='))!.split(';')[0]!;
      return fetch(`${base}/saml/${tenant.id}/acs`, { method: 'POST', headers: { cookie: binding }, body: new URLSearchParams({ SAMLResponse: hidden(await posted.text(), 'SAMLResponse')! }), redirect: 'manual' });
    };

    const { testUrl } = await configuration.startTest(tenant.id);
    const test = await signInAtIdp(await fetch(testUrl, { redirect: 'manual' }), 'dana@dev-co.example.com');
    expect(test.status).toBe(200);
    expect(await test.text()).toContain('Test SAML passed');
    await configuration.activate(tenant.id);

    const sp = await signInAtIdp(await fetch(`${base}/signin?email=dana@dev-co.example.com`, { redirect: 'manual' }), 'dana@dev-co.example.com');
    expect(sp.status).toBe(303);
    expect(sp.headers.get('set-cookie')).toMatch(/; HttpOnly(;|$)/);
    expect(sp.headers.get('set-cookie')).toMatch(/; SameSite=Lax(;|$)/);
    expect(sp.headers.get('set-cookie')).not.toContain('Secure');

    const tilePage = await (await fetch(`${base}/_dev-idp/tile?tenant=${tenant.id}`)).text();
    const tile = await fetch(`${base}/_dev-idp/sso/continue`, { method: 'POST', body: new URLSearchParams({ token: hidden(tilePage, 'token')!, email: 'eve@dev-co.example.com', firstName: 'Eve', lastName: 'Tile' }) });
    const acs = await fetch(`${base}/saml/${tenant.id}/acs`, { method: 'POST', body: new URLSearchParams({ SAMLResponse: hidden(await tile.text(), 'SAMLResponse')! }), redirect: 'manual' });
    expect(acs.status).toBe(303);
    const dashboard = await fetch(`${base}/dashboard`, { headers: { cookie: acs.headers.get('set-cookie')!.split(';')[0]! } });
    expect(await dashboard.text()).toContain('Eve Tile');
  });

  it('refuses an AuthnRequest from an SP that is not one of our tenants', async () => {
    const { deflateRawSync } = await import('node:zlib');
    const request = `<samlp:AuthnRequest xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="_x" Version="2.0" IssueInstant="${new Date().toISOString()}" AssertionConsumerServiceURL="https://evil.example/acs"><saml:Issuer>https://evil.example/metadata</saml:Issuer></samlp:AuthnRequest>`;
    const page = await fetch(`${twin.base}/_dev-idp/sso?SAMLRequest=${encodeURIComponent(deflateRawSync(request).toString('base64'))}`);
    expect(page.status).toBe(400);
    expect(await page.text()).toContain('Unknown service provider');
  });
});
