import { createPrivateKey, sign } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { generateSpCredential } from '../../lambdas/saml/sp-credentials';
import { buildSpMetadata } from '../../lambdas/saml/sp-metadata';
import { checkRedirectSignature, spSigningView } from '../../local/dev-idp-signed-requests';

const ours = generateSpCredential('natoma-sso SP', 30, new Date(), 2048);
const stranger = generateSpCredential('someone else', 30, new Date(), 2048);
const urls = { spEntityId: 'http://127.0.0.1:3000/saml/t1/metadata', acsUrl: 'http://127.0.0.1:3000/saml/t1/acs' };
const SIG_ALG = encodeURIComponent('http://www.w3.org/2001/04/xmldsig-more#rsa-sha256');

/** A Redirect-binding query signed as SAML bindings §3.4.4.1 says, with `privateKeyPem`. */
function signedQuery(privateKeyPem: string): string {
  const signed = `SAMLRequest=${encodeURIComponent('fZBBT8MwDIX/SuR7m7ZMgKK1E2IHJiExbYMDt5C6W6Q2KbFTxr8na0HaifP7bH8vy9W578SIgaxzJZR5AQKdcY11xxJeDw/ZPazqJem+GwLWrWwRfAnn3Gy+gNIQ==')}&RelayState=r1&SigAlg=${SIG_ALG}`;
  return `${signed}&Signature=${encodeURIComponent(sign('RSA-SHA256', Buffer.from(signed), createPrivateKey(privateKeyPem)).toString('base64'))}`;
}

describe("the dev IdP's check of signed AuthnRequests", () => {
  const metadata = spSigningView(buildSpMetadata(urls, { current: ours }, { authnRequestsSigned: true }));

  it('verifies a signature made with a certificate of the SP metadata and names it', () => {
    expect(checkRedirectSignature(signedQuery(ours.privateKeyPem), metadata)).toMatchObject({ signed: true });
  });

  it('refuses a signature by a key the SP does not publish', () => {
    expect(() => checkRedirectSignature(signedQuery(stranger.privateKeyPem), metadata)).toThrow(/does not verify with any of the 1 signing certificate/);
  });

  it('refuses a signed query whose RelayState was changed after signing', () => {
    expect(() => checkRedirectSignature(signedQuery(ours.privateKeyPem).replace('RelayState=r1', 'RelayState=r2'), metadata)).toThrow(/does not verify/);
  });

  it('refuses an unsigned request when the SP metadata says it signs them, and lets it pass otherwise', () => {
    expect(() => checkRedirectSignature('SAMLRequest=abc', metadata)).toThrow(/AuthnRequests are signed, but this one is not/);
    expect(checkRedirectSignature('SAMLRequest=abc', { ...metadata, authnRequestsSigned: false })).toEqual({ signed: false });
  });
});
