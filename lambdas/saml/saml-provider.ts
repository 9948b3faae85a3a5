import { SAML, ValidateInResponseTo, type CacheProvider } from '@node-saml/node-saml';
import { trustedCertificates } from '../core/sso/certificate-trust';
import type { IdpConfig } from '../core/tenancy/tenant';
import type { SpUrls } from '../core/tenancy/urls';
import { certificatePem } from '../adapters/saml-metadata/idp-metadata';

/** What a response must match: our SP's URLs, the tenant's IdP, the clock (node-saml is configured from it). */
export interface ValidationExpectations {
  readonly idp: IdpConfig;
  readonly spEntityId: string;
  readonly acsUrl: string;
  readonly clockSkewSec: number;
  /** The AuthnRequest ID we issued (SP-initiated), already taken from the store; undefined = unsolicited. */
  readonly requestId?: string;
  readonly now: Date;
}

/** How the browser goes to the IdP: a redirect (HTTP-Redirect binding) or a form we render (HTTP-POST). */
export type LoginStart = { readonly kind: 'redirect'; readonly location: string } | { readonly kind: 'post'; readonly url: string; readonly fields: Record<string, string> };

/**
 * A CacheProvider that knows exactly one request ID: the one this ACS call already took (atomically,
 * single use) from the shared store. node-saml then checks InResponseTo on the Response and on the
 * SubjectConfirmationData against it.
 */
class OneRequestCache implements CacheProvider {
  constructor(
    private readonly requestId: string | undefined,
    private readonly createdAt: string,
  ) {}
  async saveAsync(): Promise<null> {
    return null;
  }
  async getAsync(key: string): Promise<string | null> {
    return this.requestId !== undefined && key === this.requestId ? this.createdAt : null;
  }
  async removeAsync(): Promise<null> {
    return null;
  }
}

/** node-saml configured explicitly: its defaults (SHA-1, InResponseTo never, no issuer check) are not ours. */
export function samlFor(
  expect: Omit<ValidationExpectations, 'now'> & { decryptionKeyPem?: string; signingKeyPem?: string; now?: Date; generateUniqueId?: () => string; usePost?: boolean },
): SAML {
  return new SAML({
    callbackUrl: expect.acsUrl,
    issuer: expect.spEntityId,
    audience: expect.spEntityId,
    // Certificates the IdP stopped publishing are trusted only until their grace period ends.
    idpCert: trustedCertificates(expect.idp, expect.now ?? new Date()).map(certificatePem),
    idpIssuer: expect.idp.entityId,
    entryPoint: expect.idp.ssoRedirectUrl ?? expect.idp.ssoPostUrl,
    // Either signature suffices (Okta signs the assertion, optionally the response too); at least one is
    // required by node-saml when wantAuthnResponseSigned is false and the response signature is absent.
    wantAssertionsSigned: false,
    wantAuthnResponseSigned: false,
    signatureAlgorithm: 'sha256',
    digestAlgorithm: 'sha256',
    privateKey: expect.signingKeyPem,
    decryptionPvk: expect.decryptionKeyPem,
    acceptedClockSkewMs: expect.clockSkewSec * 1000,
    maxAssertionAgeMs: 0,
    validateInResponseTo: expect.requestId !== undefined ? ValidateInResponseTo.always : ValidateInResponseTo.never,
    requestIdExpirationPeriodMs: 15 * 60_000,
    cacheProvider: new OneRequestCache(expect.requestId, (expect.now ?? new Date()).toISOString()),
    identifierFormat: 'urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress',
    disableRequestedAuthnContext: true,
    forceAuthn: false,
    authnRequestBinding: expect.usePost ? 'HTTP-POST' : 'HTTP-Redirect',
    ...(expect.generateUniqueId ? { generateUniqueId: expect.generateUniqueId } : {}),
  });
}


/**
 * The AuthnRequest for `idp` with our ID: a redirect URL when the IdP has an HTTP-Redirect endpoint, else
 * the POST fields (SAMLRequest, …) the sign-in page submits; the page itself is ours (pages.ts).
 */
export async function authnRequestFor(input: { idp: IdpConfig; urls: SpUrls; clockSkewSec: number; requestId: string; signingKeyPem?: string }): Promise<LoginStart> {
  const { idp, urls, requestId } = input;
  const saml = samlFor({ idp, spEntityId: urls.spEntityId, acsUrl: urls.acsUrl, clockSkewSec: input.clockSkewSec, requestId, signingKeyPem: input.signingKeyPem, generateUniqueId: () => requestId, usePost: !idp.ssoRedirectUrl });
  if (idp.ssoRedirectUrl) return { kind: 'redirect', location: await saml.getAuthorizeUrlAsync('', undefined, {}) };
  const message = await saml.getAuthorizeMessageAsync('', undefined, {});
  const fields = Object.fromEntries(Object.entries(message).map(([name, value]) => [name, String(value ?? '')]));
  return { kind: 'post', url: idp.ssoPostUrl!, fields };
}
