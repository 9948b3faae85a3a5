import { describe, expect, it } from 'vitest';
import { asTenantId } from '../../lambdas/core/ids';
import { PublishedSpCertificates, certificatesIn } from '../../lambdas/admin/console/published-sp-certificates';
import { generateSpCredential } from '../../lambdas/saml/sp-credentials';
import { buildSpMetadata } from '../../lambdas/saml/sp-metadata';

const base64Of = (pem: string) => pem.replace(/-----(BEGIN|END) CERTIFICATE-----/g, '').replace(/\s+/g, '');

describe('SP certificates for the console, from the published SP metadata', () => {
  const current = generateSpCredential('current.sp.test', 30, undefined, 2048);
  const next = generateSpCredential('next.sp.test', 30, undefined, 2048);
  const urls = { spEntityId: 'https://api.example.test/saml/tabc/metadata', acsUrl: 'https://api.example.test/saml/tabc/acs' };
  const spMetadataXml = (withNext: boolean) =>
    buildSpMetadata(urls, { current, ...(withNext ? { next } : {}) }, { authnRequestsSigned: false });

  it('lists each certificate once, current first, during a rollover', () => {
    // Prepare
    const xml = spMetadataXml(true);

    // Act
    const found = certificatesIn(xml);

    // Assess
    expect(found).toEqual([base64Of(current.certificatePem), base64Of(next.certificatePem)]);
  });

  it('fetches our own metadata URL once per cache period and survives an unreachable API', async () => {
    // Prepare
    const requested: string[] = [];
    let up = true;
    const fakeFetch = (async (url: string) => {
      requested.push(url);
      if (!up) throw new Error('connection refused');
      return new Response(spMetadataXml(false), { status: 200 });
    }) as unknown as typeof fetch;
    let now = 0;
    const source = new PublishedSpCertificates('https://api.example.test', { now: () => new Date(now) }, fakeFetch);

    // Act
    const first = await source.forTenant(asTenantId('tabc'));
    now = 60_000;
    const cached = await source.forTenant(asTenantId('tabc'));
    up = false;
    now = 10 * 60_000;
    const whenDown = await source.forTenant(asTenantId('tabc'));

    // Assess
    expect(first).toEqual([base64Of(current.certificatePem)]);
    expect(cached).toEqual(first);
    expect(requested).toEqual(['https://api.example.test/saml/tabc/metadata', 'https://api.example.test/saml/tabc/metadata']);
    expect(whenDown).toEqual([]);
  });
});
