import type { SpKeyring } from './sp-credentials';
import { certificateBody, publishedCertificatesOf } from './sp-credentials';
import type { SpUrls } from '../core/tenancy/urls';
import { escapeXml } from '../adapters/xml/strict-xml';
import { ALLOWED_BLOCK_ENCRYPTION, ALLOWED_KEY_TRANSPORT } from './response-guard';

// What an IdP may encrypt to us with: exactly what the ACS accepts, AES-GCM first (the sets keep their order), then RSA-OAEP.
const ENCRYPTION_METHODS = [...ALLOWED_BLOCK_ENCRYPTION, ...ALLOWED_KEY_TRANSPORT]
  .map((algorithm) => `<md:EncryptionMethod Algorithm="${algorithm}"/>`)
  .join('');
const EMAIL_FORMAT = 'urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress';

/**
 * SAML 2.0 SP metadata for one tenant: HTTP-POST ACS, emailAddress NameID, signed assertions wanted,
 * and every certificate of the keyring (current, next, previous) for signing and for encryption, so that an
 * IdP that refreshes metadata keeps working across a key rollover.
 */
export function buildSpMetadata(urls: Pick<SpUrls, 'spEntityId' | 'acsUrl'>, keyring: SpKeyring, options: { authnRequestsSigned: boolean }): string {
  const certificates = publishedCertificatesOf(keyring).map(certificateBody);
  const keyDescriptors = certificates
    .flatMap((certificate) =>
      (['signing', 'encryption'] as const).map(
        (use) =>
          `    <md:KeyDescriptor use="${use}"><ds:KeyInfo><ds:X509Data><ds:X509Certificate>${certificate}</ds:X509Certificate></ds:X509Data></ds:KeyInfo>` +
          (use === 'encryption' ? ENCRYPTION_METHODS : '') +
          '</md:KeyDescriptor>',
      ),
    )
    .join('\n');
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" xmlns:ds="http://www.w3.org/2000/09/xmldsig#" entityID="${escapeXml(urls.spEntityId)}">`,
    `  <md:SPSSODescriptor AuthnRequestsSigned="${options.authnRequestsSigned}" WantAssertionsSigned="true" protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">`,
    keyDescriptors,
    `    <md:NameIDFormat>${EMAIL_FORMAT}</md:NameIDFormat>`,
    `    <md:AssertionConsumerService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" Location="${escapeXml(urls.acsUrl)}" index="0" isDefault="true"/>`,
    '  </md:SPSSODescriptor>',
    '</md:EntityDescriptor>',
    '',
  ].join('\n');
}
