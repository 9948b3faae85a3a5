/**
 * What an IdP that wants signed AuthnRequests does with the HTTP-Redirect binding (SAML bindings
 * §3.4.4.1): the signature covers `SAMLRequest=…&RelayState=…&SigAlg=…` exactly as URL-encoded in the
 * query string, and is checked against the signing certificates the SP publishes in its metadata.
 * The dev IdP uses it to show, on its sign-in form, which of our certificates signed the request.
 */
import { createPublicKey, verify, X509Certificate } from 'node:crypto';
import { DOMParser } from '@xmldom/xmldom';

const RSA_SHA256 = 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256';
const MD = 'urn:oasis:names:tc:SAML:2.0:metadata';
const DS = 'http://www.w3.org/2000/09/xmldsig#';

export interface SpSigningView {
  readonly authnRequestsSigned: boolean;
  /** PEM certificates with `use="signing"` (or no use). */
  readonly signingCertificates: string[];
}

/** The SP metadata's AuthnRequestsSigned flag and signing certificates. */
export function spSigningView(metadataXml: string): SpSigningView {
  if (/<!DOCTYPE|<!ENTITY/i.test(metadataXml)) throw new Error('the SP metadata contains a DOCTYPE');
  const document = new DOMParser().parseFromString(metadataXml, 'text/xml');
  const descriptor = document.getElementsByTagNameNS(MD, 'SPSSODescriptor').item(0);
  if (!descriptor) throw new Error('the SP metadata has no SPSSODescriptor');
  const signingCertificates: string[] = [];
  const keyDescriptors = descriptor.getElementsByTagNameNS(MD, 'KeyDescriptor');
  for (let i = 0; i < keyDescriptors.length; i++) {
    const keyDescriptor = keyDescriptors.item(i)!;
    const use = keyDescriptor.getAttribute('use');
    if (use && use !== 'signing') continue;
    const body = keyDescriptor.getElementsByTagNameNS(DS, 'X509Certificate').item(0)?.textContent?.replace(/\s+/g, '');
    if (body) signingCertificates.push(`-----BEGIN CERTIFICATE-----\n${body.match(/.{1,64}/g)!.join('\n')}\n-----END CERTIFICATE-----\n`);
  }
  const flag = descriptor.getAttribute('AuthnRequestsSigned');
  return { authnRequestsSigned: flag === 'true' || flag === '1', signingCertificates };
}

/** A query parameter as sent, still URL-encoded (the signature covers these bytes). */
function rawParameter(rawQuery: string, name: string): string | undefined {
  for (const part of rawQuery.split('&')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq) === name) return part.slice(eq + 1);
  }
  return undefined;
}

export type RequestSignature = { readonly signed: false } | { readonly signed: true; readonly fingerprintSha256: string };

/**
 * Checks a Redirect-binding AuthnRequest's signature against the SP's signing certificates. Unsigned
 * requests pass unless the SP's metadata says it signs them; a signature that no certificate verifies
 * (or another algorithm than RSA-SHA256) throws.
 */
export function checkRedirectSignature(rawQuery: string, sp: SpSigningView): RequestSignature {
  const signature = rawParameter(rawQuery, 'Signature');
  if (signature === undefined) {
    if (sp.authnRequestsSigned) throw new Error('the SP metadata says AuthnRequests are signed, but this one is not');
    return { signed: false };
  }
  const sigAlg = rawParameter(rawQuery, 'SigAlg');
  if (!sigAlg || decodeURIComponent(sigAlg) !== RSA_SHA256) throw new Error('the AuthnRequest is not signed with RSA-SHA256');
  const signedText = ['SAMLRequest', 'RelayState', 'SigAlg']
    .flatMap((name) => {
      const value = rawParameter(rawQuery, name);
      return value === undefined ? [] : [`${name}=${value}`];
    })
    .join('&');
  const signatureBytes = Buffer.from(decodeURIComponent(signature), 'base64');
  for (const pem of sp.signingCertificates) {
    if (verify('RSA-SHA256', Buffer.from(signedText), createPublicKey(pem), signatureBytes)) return { signed: true, fingerprintSha256: new X509Certificate(pem).fingerprint256 };
  }
  throw new Error(`the AuthnRequest signature does not verify with any of the ${sp.signingCertificates.length} signing certificate(s) in the SP metadata`);
}
