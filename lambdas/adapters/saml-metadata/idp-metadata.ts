import { X509Certificate } from 'node:crypto';
import { IdpMetadataError, type IdpMetadata } from '../../core/sso/ports';
import { attr, childElements, elementsByLocalName, parseXmlStrict, textOf, type XmlElement } from '../xml/strict-xml';

export { IdpMetadataError };

export const MAX_METADATA_BYTES = 256 * 1024;

const MD = 'urn:oasis:names:tc:SAML:2.0:metadata';
const DS = 'http://www.w3.org/2000/09/xmldsig#';
const REDIRECT = 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect';
const POST = 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST';


/** Parses SAML 2.0 IdP metadata (an EntityDescriptor, or an EntitiesDescriptor holding exactly one IdP). */
export function parseIdpMetadata(xml: string, options: { httpSsoAllowed?: boolean } = {}): IdpMetadata {
  if (Buffer.byteLength(xml, 'utf8') > MAX_METADATA_BYTES) throw new IdpMetadataError(`the metadata is larger than ${MAX_METADATA_BYTES / 1024} KB`);
  if (xml.trim() === '') throw new IdpMetadataError('the metadata is empty');
  let document;
  try {
    document = parseXmlStrict(xml.replace(/^\uFEFF/, ''), 'the metadata');
  } catch (error) {
    throw new IdpMetadataError((error as Error).message);
  }
  const root = document.documentElement!;
  const entities = root.localName === 'EntityDescriptor' ? [root] : root.localName === 'EntitiesDescriptor' ? elementsByLocalName(root, 'EntityDescriptor') : [];
  if (root.namespaceURI !== MD || entities.length === 0) {
    throw new IdpMetadataError(`this is not SAML 2.0 metadata: expected an EntityDescriptor in namespace ${MD}, found <${root.localName}>`);
  }
  const withIdp = entities.filter((entity) => childElements(entity, 'IDPSSODescriptor', MD).length > 0);
  if (withIdp.length === 0) throw new IdpMetadataError('the metadata describes no identity provider (no IDPSSODescriptor): is this the SP metadata by mistake?');
  if (withIdp.length > 1) throw new IdpMetadataError(`the metadata describes ${withIdp.length} identity providers; paste the metadata of exactly one`);
  const entity = withIdp[0]!;
  const entityId = attr(entity, 'entityID')?.trim();
  if (!entityId) throw new IdpMetadataError('the EntityDescriptor has no entityID');

  const descriptors = childElements(entity, 'IDPSSODescriptor', MD).filter((d) => (attr(d, 'protocolSupportEnumeration') ?? '').split(/\s+/).includes('urn:oasis:names:tc:SAML:2.0:protocol'));
  if (descriptors.length === 0) throw new IdpMetadataError('the IDPSSODescriptor does not support SAML 2.0 (protocolSupportEnumeration)');
  const descriptor = descriptors[0]!;

  const endpoint = (binding: string) => {
    const location = childElements(descriptor, 'SingleSignOnService', MD).find((service) => attr(service, 'Binding') === binding)?.getAttribute('Location')?.trim();
    if (location === undefined || location === '') return undefined;
    let url: URL;
    try {
      url = new URL(location);
    } catch {
      throw new IdpMetadataError(`the SingleSignOnService location "${location}" is not a URL`);
    }
    if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new IdpMetadataError(`the SingleSignOnService location "${location}" must be an http(s) URL`);
    // Over http, SAML requests and responses (assertions included) would travel in plain text.
    if (url.protocol === 'http:' && !options.httpSsoAllowed) {
      throw new IdpMetadataError(`the IdP sign-in URL (SingleSignOnService) "${location}" uses http://, so sign-ins would travel unencrypted: use the IdP's https:// metadata (http is allowed only in the local twin)`);
    }
    return url.toString();
  };
  const ssoRedirectUrl = endpoint(REDIRECT);
  const ssoPostUrl = endpoint(POST);
  if (!ssoRedirectUrl && !ssoPostUrl) throw new IdpMetadataError('the metadata has no SingleSignOnService with the HTTP-Redirect or HTTP-POST binding');

  const certificates: string[] = [];
  const expiries: string[] = [];
  for (const keyDescriptor of childElements(descriptor, 'KeyDescriptor', MD)) {
    const use = attr(keyDescriptor, 'use');
    if (use !== undefined && use !== 'signing') continue;
    for (const element of certificatesIn(keyDescriptor)) {
      const body = (textOf(element) ?? '').replace(/\s+/g, '');
      if (body === '' || certificates.includes(body)) continue;
      let certificate: X509Certificate;
      try {
        certificate = new X509Certificate(Buffer.from(body, 'base64'));
      } catch {
        throw new IdpMetadataError('a signing certificate in the metadata cannot be read as X.509');
      }
      certificates.push(body);
      expiries.push(new Date(certificate.validTo).toISOString());
    }
  }
  if (certificates.length === 0) throw new IdpMetadataError('the metadata has no signing certificate (KeyDescriptor use="signing" with an X509Certificate)');

  return {
    entityId,
    ssoRedirectUrl,
    ssoPostUrl,
    signingCertificates: certificates,
    wantAuthnRequestsSigned: attr(descriptor, 'WantAuthnRequestsSigned') === 'true' || attr(descriptor, 'WantAuthnRequestsSigned') === '1',
    certificateExpiries: expiries,
  };
}

function certificatesIn(keyDescriptor: XmlElement): XmlElement[] {
  return elementsByLocalName(keyDescriptor, 'X509Certificate').filter((element) => element.namespaceURI === DS);
}

/** PEM armour for a base64 DER certificate. */
export function certificatePem(base64Der: string): string {
  const lines = base64Der.replace(/\s+/g, '').match(/.{1,64}/g) ?? [];
  return `-----BEGIN CERTIFICATE-----\n${lines.join('\n')}\n-----END CERTIFICATE-----\n`;
}
