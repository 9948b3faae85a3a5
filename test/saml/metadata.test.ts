import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DOMParser } from '@xmldom/xmldom';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IdpMetadataError, parseIdpMetadata } from '../../lambdas/adapters/saml-metadata/idp-metadata';
import { addressRefusal, fetchMetadata, MetadataFetchError, type ResolvedAddress } from '../../lambdas/adapters/saml-metadata/metadata-fetch';
import { buildSpMetadata } from '../../lambdas/saml/sp-metadata';
import { certificateBody, generateSpCredential } from '../../lambdas/saml/sp-credentials';
import { spUrls } from '../../lambdas/core/tenancy/urls';
import { generateOtherCredential, idpCredential, SamlifyIdp } from './support/samlify-idp';

describe('SP metadata', () => {
  const urls = spUrls('https://api.natoma.test', 'tabcdefghjkmn');
  const current = idpCredential();
  const next = generateOtherCredential();

  it('is valid SAML 2.0 metadata with entityID, HTTP-POST ACS, emailAddress, signed assertions wanted', () => {
    const xml = buildSpMetadata(urls, { current }, { authnRequestsSigned: false });
    const doc = new DOMParser().parseFromString(xml, 'text/xml');
    const root = doc.documentElement!;
    expect(root.localName).toBe('EntityDescriptor');
    expect(root.getAttribute('entityID')).toBe('https://api.natoma.test/saml/tabcdefghjkmn/metadata');
    const sp = root.getElementsByTagNameNS('urn:oasis:names:tc:SAML:2.0:metadata', 'SPSSODescriptor').item(0)!;
    expect(sp.getAttribute('WantAssertionsSigned')).toBe('true');
    expect(sp.getAttribute('AuthnRequestsSigned')).toBe('false');
    const acs = sp.getElementsByTagNameNS('urn:oasis:names:tc:SAML:2.0:metadata', 'AssertionConsumerService').item(0)!;
    expect(acs.getAttribute('Binding')).toBe('urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST');
    expect(acs.getAttribute('Location')).toBe(urls.acsUrl);
    expect(xml).toContain('<md:NameIDFormat>urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress</md:NameIDFormat>');
  });

  it('publishes the current and the next certificate for signing and encryption during a rollover', () => {
    const xml = buildSpMetadata(urls, { current, next }, { authnRequestsSigned: true });
    const doc = new DOMParser().parseFromString(xml, 'text/xml');
    const descriptors = Array.from({ length: doc.getElementsByTagNameNS('*', 'KeyDescriptor').length }, (_, i) => doc.getElementsByTagNameNS('*', 'KeyDescriptor').item(i)!);
    const byUse = (use: string) => descriptors.filter((d) => d.getAttribute('use') === use).map((d) => d.getElementsByTagNameNS('*', 'X509Certificate').item(0)!.textContent);
    expect(byUse('signing')).toEqual([certificateBody(current.certificatePem), certificateBody(next.certificatePem)]);
    expect(byUse('encryption')).toEqual([certificateBody(current.certificatePem), certificateBody(next.certificatePem)]);
  });

  it('is readable by an independent SAML library (samlify)', async () => {
    const samlify = await import('samlify');
    const sp = samlify.ServiceProvider({ metadata: buildSpMetadata(urls, { current }, { authnRequestsSigned: false }) });
    expect(sp.entityMeta.getEntityID()).toBe(urls.spEntityId);
    expect(sp.entityMeta.getAssertionConsumerService('post')).toBe(urls.acsUrl);
  });
});

describe('IdP metadata import', () => {
  it('reads entityID, SSO endpoints, signing certificates and WantAuthnRequestsSigned', () => {
    const idp = new SamlifyIdp({ wantAuthnRequestsSigned: true });
    const parsed = parseIdpMetadata(idp.metadata());
    expect(parsed).toMatchObject({ entityId: idp.entityId, ssoRedirectUrl: idp.ssoUrl, ssoPostUrl: idp.ssoUrl, wantAuthnRequestsSigned: true });
    expect(parsed.signingCertificates).toEqual([certificateBody(idp.credential.certificatePem)]);
  });

  it('keeps every signing certificate (KeyDescriptor use="signing" or without use) and skips encryption-only ones', () => {
    const a = certificateBody(idpCredential().certificatePem);
    const b = certificateBody(generateOtherCredential().certificatePem);
    const c = certificateBody(generateSpCredential('enc only', 10).certificatePem);
    const kd = (use: string | undefined, cert: string) => `<md:KeyDescriptor${use ? ` use="${use}"` : ''}><ds:KeyInfo><ds:X509Data><ds:X509Certificate>${cert}</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>`;
    const xml = `<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" xmlns:ds="http://www.w3.org/2000/09/xmldsig#" entityID="http://www.okta.com/exk1"><md:IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">${kd('signing', a)}${kd(undefined, b)}${kd('encryption', c)}<md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="https://acme.okta.com/app/x/sso/saml"/></md:IDPSSODescriptor></md:EntityDescriptor>`;
    const parsed = parseIdpMetadata(xml);
    expect(parsed.signingCertificates).toEqual([a, b]);
    expect(parsed.ssoPostUrl).toBeUndefined();
    expect(parsed.wantAuthnRequestsSigned).toBe(false);
  });

  it.each([
    ['a DOCTYPE', '<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="x">&e;</md:EntityDescriptor>', /DOCTYPE/],
    ['HTML', '<html><body>Sign in</body></html>', /not SAML 2.0 metadata/],
    ['not XML', 'hello', /not well-formed|root element/],
    ['SP metadata', buildSpMetadata(spUrls('https://x.test', 't1'), { current: idpCredential() }, { authnRequestsSigned: false }), /no identity provider.*SP metadata by mistake/],
    ['no certificate', '<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="x"><md:IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol"><md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="https://idp/sso"/></md:IDPSSODescriptor></md:EntityDescriptor>', /no signing certificate/],
    ['more than 256 KB', `<x>${'a'.repeat(300 * 1024)}</x>`, /larger than 256 KB/],
  ])('refuses %s with a plain message', (_label, xml, message) => {
    expect(() => parseIdpMetadata(xml)).toThrow(IdpMetadataError);
    expect(() => parseIdpMetadata(xml)).toThrow(message);
  });
});

describe('metadata fetch without SSRF', () => {
  let server: Server;
  let port: number;
  const idp = new SamlifyIdp();
  beforeAll(async () => {
    server = createServer((req, res) => {
      if (req.url === '/metadata') return res.end(idp.metadata());
      if (req.url === '/to-imds') return res.writeHead(302, { location: 'http://169.254.169.254/latest/meta-data/' }).end();
      if (req.url === '/to-private-name') return res.writeHead(302, { location: 'http://internal.corp.test/metadata' }).end();
      if (req.url === '/huge') return res.end('x'.repeat(400 * 1024));
      if (req.url === '/slow') return void setTimeout(() => res.end('late'), 3000);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(async () => new Promise((resolve) => server.close(resolve)));

  const resolver = (table: Record<string, string[]>) => async (host: string): Promise<ResolvedAddress[]> => (table[host] ?? []).map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));

  it.each([
    ['10.1.2.3'], ['172.16.0.9'], ['192.168.1.1'], ['100.64.0.1'], ['127.0.0.1'], ['169.254.169.254'], ['0.0.0.0'], ['::1'], ['fd00:ec2::254'], ['fe80::1'], ['::ffff:10.0.0.1'], ['::ffff:a9fe:a9fe'], ['64:ff9b::a9fe:a9fe'],
  ])('refuses a host name resolving to %s when deployed', async (address) => {
    const attempt = fetchMetadata('https://idp.example.com/metadata', { mode: 'deployed', resolve: resolver({ 'idp.example.com': [address] }) });
    await expect(attempt).rejects.toThrow(MetadataFetchError);
    await expect(attempt).rejects.toThrow(/may not be fetched/);
  });

  it('refuses when any one of several resolved addresses is private', async () => {
    await expect(fetchMetadata('https://idp.example.com/metadata', { mode: 'deployed', resolve: resolver({ 'idp.example.com': ['93.184.216.34', '10.0.0.5'] }) })).rejects.toThrow(/10\.0\.0\.5/);
  });

  it('refuses literal private addresses and http when deployed', async () => {
    await expect(fetchMetadata('https://169.254.169.254/latest/meta-data', { mode: 'deployed' })).rejects.toThrow(/cloud metadata/);
    await expect(fetchMetadata('https://[::1]/x', { mode: 'deployed' })).rejects.toThrow(/loopback/);
    await expect(fetchMetadata('http://idp.example.com/metadata', { mode: 'deployed' })).rejects.toThrow(/https:\/\//);
    await expect(fetchMetadata('file:///etc/passwd', { mode: 'local' })).rejects.toThrow(/https:\/\/ or http:\/\//);
  });

  it('lets the local twin fetch http metadata from loopback', async () => {
    const xml = await fetchMetadata(`http://127.0.0.1:${port}/metadata`, { mode: 'local' });
    expect(parseIdpMetadata(xml).entityId).toBe(idp.entityId);
  });

  it('connects to the address it checked, not to a second DNS answer (rebinding)', async () => {
    let calls = 0;
    const rebinding = async (): Promise<ResolvedAddress[]> => (calls++ === 0 ? [{ address: '127.0.0.1', family: 4 }] : [{ address: '169.254.169.254', family: 4 }]);
    const xml = await fetchMetadata(`http://rebind.test:${port}/metadata`, { mode: 'local', resolve: rebinding });
    expect(calls).toBe(1);
    expect(xml).toContain('EntityDescriptor');
  });

  it('checks every redirect hop again', async () => {
    await expect(fetchMetadata(`http://127.0.0.1:${port}/to-imds`, { mode: 'local' })).rejects.toThrow(/169\.254\.169\.254/);
    await expect(fetchMetadata(`http://127.0.0.1:${port}/to-private-name`, { mode: 'local', resolve: resolver({ 'internal.corp.test': ['10.9.9.9'] }) })).rejects.toThrow(/private network/);
  });

  it('bounds size and time', async () => {
    await expect(fetchMetadata(`http://127.0.0.1:${port}/huge`, { mode: 'local' })).rejects.toThrow(/larger than 256 KB/);
    await expect(fetchMetadata(`http://127.0.0.1:${port}/slow`, { mode: 'local', timeoutMs: 300 })).rejects.toThrow(/took too long/);
  });

  it('classifies public addresses as fetchable', () => {
    expect(addressRefusal('93.184.216.34', 'deployed')).toBeUndefined();
    expect(addressRefusal('2606:4700::6810:85e5', 'deployed')).toBeUndefined();
  });
});
