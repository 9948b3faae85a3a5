import { decryptXml } from '@node-saml/node-saml/lib/xml';
import { SamlLoginError } from './saml-errors';
import { attr, childElements, elementsByLocalName, parseXmlStrict, textOf, XmlRefusedError, type XmlDocument, type XmlElement } from '../adapters/xml/strict-xml';

/** A SAMLResponse larger than this is refused before any XML parsing. */
const MAX_SAML_RESPONSE_BYTES = 64 * 1024;

const PROTOCOL = 'urn:oasis:names:tc:SAML:2.0:protocol';
const ASSERTION = 'urn:oasis:names:tc:SAML:2.0:assertion';
const DSIG = 'http://www.w3.org/2000/09/xmldsig#';

// Only RSA/ECDSA with SHA-256 or stronger (Okta signs with RSA-SHA256). No SHA-1, no HMAC
// (an HMAC keyed with the IdP's public certificate is a known forgery).
const ALLOWED_SIGNATURE_METHODS = new Set([
  'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256',
  'http://www.w3.org/2001/04/xmldsig-more#rsa-sha384',
  'http://www.w3.org/2001/04/xmldsig-more#rsa-sha512',
  'http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256',
  'http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha384',
  'http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha512',
]);
const ALLOWED_DIGEST_METHODS = new Set([
  'http://www.w3.org/2001/04/xmlenc#sha256',
  'http://www.w3.org/2001/04/xmldsig-more#sha384',
  'http://www.w3.org/2001/04/xmlenc#sha512',
]);
// Canonicalisations and the enveloped-signature transform only: no XPath or XSLT transforms (DoS, confusion).
const ALLOWED_TRANSFORMS = new Set([
  'http://www.w3.org/2000/09/xmldsig#enveloped-signature',
  'http://www.w3.org/2001/10/xml-exc-c14n#',
  'http://www.w3.org/2001/10/xml-exc-c14n#WithComments',
  'http://www.w3.org/TR/2001/REC-xml-c14n-20010315',
  'http://www.w3.org/TR/2001/REC-xml-c14n-20010315#WithComments',
]);

/** Facts read from the still-unverified response, used to route it; identity never comes from here. */
export interface GuardedResponse {
  readonly xml: string;
  readonly document: XmlDocument;
  readonly inResponseTo?: string;
  readonly destination?: string;
  readonly responseIssuer?: string;
  /** The top-level StatusCode value (unsigned when only the assertion is signed: checked, never trusted). */
  readonly statusCode?: string;
  readonly encrypted: boolean;
  /** The SP private key that decrypted the assertion, when it was encrypted. */
  readonly decryptionKeyPem?: string;
  /** The decrypted assertion XML (encrypted responses only), for checks and diagnostics. */
  readonly decryptedAssertionXml?: string;
  /** How many ds:Signature elements sign the Response itself and the assertion. */
  readonly responseSigned: boolean;
  readonly assertionSigned: boolean;
}

const refuse = (code: string, message: string): never => {
  throw new SamlLoginError(code, message);
};

/** Decodes the SAMLResponse form field, refusing oversize or non-base64 input before parsing anything. */
export function decodeSamlResponse(field: string | undefined): string {
  if (field === undefined || field.trim() === '') return refuse('missing-response', 'The request carries no SAML response.');
  if (field.length > Math.ceil((MAX_SAML_RESPONSE_BYTES * 4) / 3) + 4) return refuse('too-large', 'The SAML response is larger than 64 KB.');
  const compact = field.replace(/\s+/g, '');
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(compact)) return refuse('malformed', 'The SAML response is not base64 encoded.');
  const bytes = Buffer.from(compact, 'base64');
  if (bytes.length > MAX_SAML_RESPONSE_BYTES) return refuse('too-large', 'The SAML response is larger than 64 KB.');
  return bytes.toString('utf8');
}

/**
 * Structural checks before signature validation: strict parse (no DOCTYPE, one root), a
 * samlp:Response root, exactly one Response and exactly one (possibly encrypted) Assertion anywhere in
 * the document, every signature using allowed algorithms and transforms. Encrypted assertions are
 * decrypted with our key(s) so that their inner signature is checked too.
 */
export async function guardResponse(xml: string, decryptionKeys: readonly string[] | (() => Promise<readonly string[]>)): Promise<GuardedResponse> {
  let document: XmlDocument;
  try {
    document = parseXmlStrict(xml, 'The SAML response');
  } catch (error) {
    if (error instanceof XmlRefusedError) return refuse(/DOCTYPE|ENTITY/.test(error.message) ? 'doctype' : 'malformed', error.message + '.');
    throw error;
  }
  const root = document.documentElement!;
  if (root.localName !== 'Response' || root.namespaceURI !== PROTOCOL) return refuse('not-a-response', 'The message is not a SAML 2.0 Response.');
  if (elementsByLocalName(document, 'Response').length !== 1) return refuse('wrapped', 'The SAML response contains more than one Response element.');
  const assertions = elementsByLocalName(document, 'Assertion');
  const encrypted = elementsByLocalName(document, 'EncryptedAssertion');
  if (assertions.length + encrypted.length !== 1) {
    return refuse(assertions.length + encrypted.length === 0 ? 'no-assertion' : 'multiple-assertions', assertions.length + encrypted.length === 0 ? 'The SAML response carries no assertion.' : 'The SAML response must carry exactly one assertion.');
  }
  const only = (assertions[0] ?? encrypted[0])!;
  if (only.parentNode !== root || only.namespaceURI !== ASSERTION) return refuse('wrapped', 'The assertion is not where SAML puts it (directly inside the Response).');
  checkSignatures(document);

  const responseSigned = childElements(root, 'Signature', DSIG).length > 0;
  let assertionSigned = assertions.length === 1 && childElements(assertions[0]!, 'Signature', DSIG).length > 0;
  let decryptionKeyPem: string | undefined;
  let decryptedAssertionXml: string | undefined;
  if (encrypted.length === 1) {
    const keys = typeof decryptionKeys === 'function' ? await decryptionKeys() : decryptionKeys;
    if (keys.length === 0) return refuse('cannot-decrypt', 'The assertion is encrypted but no SP key is available to decrypt it.');
    for (const key of keys) {
      try {
        decryptedAssertionXml = await decryptXml(encrypted[0]!.toString(), key);
        decryptionKeyPem = key;
        break;
      } catch {
        // try the next key of the rollover
      }
    }
    if (decryptedAssertionXml === undefined) return refuse('cannot-decrypt', 'The encrypted assertion could not be decrypted with our SP key: the IdP may use an old SP certificate.');
    let inner: XmlDocument;
    try {
      inner = parseXmlStrict(decryptedAssertionXml, 'The decrypted assertion');
    } catch (error) {
      return refuse('malformed', (error as Error).message + '.');
    }
    const innerRoot = inner.documentElement!;
    if (innerRoot.localName !== 'Assertion' || innerRoot.namespaceURI !== ASSERTION || elementsByLocalName(inner, 'Assertion').length !== 1) {
      return refuse('multiple-assertions', 'The encrypted content must be exactly one assertion.');
    }
    checkSignatures(inner);
    assertionSigned = childElements(innerRoot, 'Signature', DSIG).length > 0;
  }
  return {
    xml,
    document,
    inResponseTo: attr(root, 'InResponseTo'),
    destination: attr(root, 'Destination'),
    responseIssuer: textOf(childElements(root, 'Issuer', ASSERTION)[0]),
    statusCode: statusCodeOf(root),
    encrypted: encrypted.length === 1,
    decryptionKeyPem,
    decryptedAssertionXml,
    responseSigned,
    assertionSigned,
  };
}

function statusCodeOf(root: XmlElement): string | undefined {
  const status = childElements(root, 'Status', PROTOCOL)[0];
  return status ? attr(childElements(status, 'StatusCode', PROTOCOL)[0], 'Value') : undefined;
}

function checkSignatures(document: XmlDocument): void {
  for (const signature of elementsByLocalName(document, 'Signature').filter((s) => s.namespaceURI === DSIG)) {
    const signedInfo = childElements(signature, 'SignedInfo', DSIG);
    if (signedInfo.length !== 1) refuse('signature', 'A signature in the SAML response is malformed (it must have one SignedInfo).');
    const methods = childElements(signedInfo[0]!, 'SignatureMethod', DSIG);
    const algorithm = attr(methods[0], 'Algorithm') ?? '';
    if (methods.length !== 1 || !ALLOWED_SIGNATURE_METHODS.has(algorithm)) {
      const hmac = /hmac/i.test(algorithm);
      throw new SamlLoginError(
        hmac ? 'hmac-signature' : 'weak-signature',
        hmac ? 'The SAML response is signed with HMAC, which is never accepted: the IdP must sign with RSA or ECDSA and SHA-256 or stronger.' : `The SAML response is signed with ${algorithm || 'an unknown algorithm'}; only RSA or ECDSA with SHA-256 or stronger is accepted (Okta: Signature Algorithm RSA-SHA256).`,
        [{ code: hmac ? 'hmac-signature' : 'weak-signature', message: 'The signature algorithm is too weak: set the IdP to sign with RSA-SHA256', expected: 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256 (or stronger)', received: algorithm || '(missing)' }],
      );
    }
    const references = childElements(signedInfo[0]!, 'Reference', DSIG);
    if (references.length !== 1) refuse('signature', 'A signature in the SAML response must have exactly one reference.');
    for (const reference of references) checkReference(reference);
    for (const c14n of childElements(signedInfo[0]!, 'CanonicalizationMethod', DSIG)) {
      if (!ALLOWED_TRANSFORMS.has(attr(c14n, 'Algorithm') ?? '')) refuse('signature', 'A signature in the SAML response uses a canonicalisation we do not accept.');
    }
  }
}

function checkReference(reference: XmlElement): void {
  const digests = childElements(reference, 'DigestMethod', DSIG);
  const digest = attr(digests[0], 'Algorithm') ?? '';
  if (digests.length !== 1 || !ALLOWED_DIGEST_METHODS.has(digest)) {
    throw new SamlLoginError('weak-signature', `The SAML response's signature digests with ${digest || 'an unknown algorithm'}; only SHA-256 or stronger is accepted.`, [
      { code: 'weak-signature', message: 'The digest algorithm is too weak: set the IdP to use SHA-256', expected: 'http://www.w3.org/2001/04/xmlenc#sha256 (or stronger)', received: digest || '(missing)' },
    ]);
  }
  for (const transform of elementsByLocalName(reference, 'Transform')) {
    if (!ALLOWED_TRANSFORMS.has(attr(transform, 'Algorithm') ?? '')) refuse('signature', 'A signature in the SAML response uses a transform we do not accept.');
  }
}
