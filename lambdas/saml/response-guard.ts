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

const XMLENC = 'http://www.w3.org/2001/04/xmlenc#';
// Block ciphers for an encrypted assertion: AES-GCM (what our metadata asks for) and AES-CBC (Okta and others
// still offer it, and tenants use it). No 3DES or anything weaker.
export const ALLOWED_BLOCK_ENCRYPTION = new Set([
  'http://www.w3.org/2009/xmlenc11#aes256-gcm',
  'http://www.w3.org/2009/xmlenc11#aes128-gcm',
  'http://www.w3.org/2001/04/xmlenc#aes256-cbc',
  'http://www.w3.org/2001/04/xmlenc#aes128-cbc',
]);
// Key transport: RSA-OAEP only (RSA PKCS#1 v1.5 is a padding oracle of its own).
export const ALLOWED_KEY_TRANSPORT = new Set(['http://www.w3.org/2001/04/xmlenc#rsa-oaep-mgf1p']);
/** The one answer to every decryption or decrypted-content failure: no padding oracle, no parser text. */
const UNDECRYPTABLE = 'The encrypted assertion could not be decrypted with our SP key, or what it holds is not a single valid assertion.';

// Algorithms a refusal may name (weak ones an IdP may really use); any other URI is "an unsupported algorithm":
// the sender chooses it, so it is never repeated on a page, in a log or in the activity log.
const KNOWN_WEAK_ALGORITHMS: Readonly<Record<string, string>> = {
  'http://www.w3.org/2000/09/xmldsig#rsa-sha1': 'RSA-SHA1',
  'http://www.w3.org/2000/09/xmldsig#dsa-sha1': 'DSA-SHA1',
  'http://www.w3.org/2000/09/xmldsig#hmac-sha1': 'HMAC-SHA1',
  'http://www.w3.org/2001/04/xmldsig-more#hmac-sha256': 'HMAC-SHA256',
  'http://www.w3.org/2000/09/xmldsig#sha1': 'SHA-1',
  'http://www.w3.org/2001/04/xmldsig-more#md5': 'MD5',
  'http://www.w3.org/2001/04/xmldsig-more#rsa-md5': 'RSA-MD5',
  'http://www.w3.org/2001/04/xmlenc#tripledes-cbc': '3DES (Triple DES)',
  'http://www.w3.org/2001/04/xmlenc#rsa-1_5': 'RSA PKCS#1 v1.5',
  'http://www.w3.org/2001/04/xmlenc#aes192-cbc': 'AES-192-CBC',
  'http://www.w3.org/2009/xmlenc11#aes192-gcm': 'AES-192-GCM',
  'http://www.w3.org/2009/xmlenc11#rsa-oaep': 'RSA-OAEP (XML Encryption 1.1)',
};
const algorithmName = (uri: string): string => KNOWN_WEAK_ALGORITHMS[uri] ?? (uri ? 'an unsupported algorithm' : 'no algorithm');

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
  /** The block cipher of an encrypted assertion (one of ALLOWED_BLOCK_ENCRYPTION). */
  readonly encryptionAlgorithm?: string;
  /** The decrypted assertion XML (encrypted responses only), for checks and diagnostics. */
  readonly decryptedAssertionXml?: string;
  /** How many ds:Signature elements sign the Response itself and the assertion. */
  readonly responseSigned: boolean;
  readonly assertionSigned: boolean;
}

const MAX_IN_RESPONSE_TO_CHARS = 256;
const NOT_WELL_FORMED = 'The SAML response is not well-formed XML.';

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
    // The parser's own text is never repeated: it quotes the input.
    if (error instanceof XmlRefusedError) {
      return /DOCTYPE|ENTITY/.test(error.message) ? refuse('doctype', 'The SAML response declares a DOCTYPE or entities, which is never accepted.') : refuse('malformed', NOT_WELL_FORMED);
    }
    throw error;
  }
  const root = document.documentElement!;
  if (root.localName !== 'Response' || root.namespaceURI !== PROTOCOL) return refuse('not-a-response', 'The message is not a SAML 2.0 Response.');
  const inResponseTo = attr(root, 'InResponseTo');
  // Refused before anything is looked up with it (our own IDs are 41 characters).
  if (inResponseTo !== undefined && inResponseTo.length > MAX_IN_RESPONSE_TO_CHARS) return refuse('in-response-to', 'The response answers a sign-in request we did not make.');
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
    checkEncryptionAlgorithms(encrypted[0]!);
    // The caller checks the tenant before handing out keys: nothing is decrypted for an unknown address.
    const keys = typeof decryptionKeys === 'function' ? await decryptionKeys() : decryptionKeys;
    if (keys.length === 0) return refuse('cannot-decrypt', UNDECRYPTABLE);
    for (const key of keys) {
      try {
        decryptedAssertionXml = await decryptXml(encrypted[0]!.toString(), key);
        decryptionKeyPem = key;
        break;
      } catch {
        // try the next key of the rollover
      }
    }
    // Bad padding, a bad key, bad XML inside, or not one assertion: one code, one message (no oracle).
    const inner = decryptedAssertionXml === undefined ? undefined : singleAssertion(decryptedAssertionXml);
    if (!inner) return refuse('cannot-decrypt', UNDECRYPTABLE);
    checkSignatures(inner);
    assertionSigned = childElements(inner.documentElement!, 'Signature', DSIG).length > 0;
  }
  return {
    xml,
    document,
    inResponseTo,
    destination: attr(root, 'Destination'),
    responseIssuer: textOf(childElements(root, 'Issuer', ASSERTION)[0]),
    statusCode: statusCodeOf(root),
    encrypted: encrypted.length === 1,
    encryptionAlgorithm: encrypted.length === 1 ? blockCipherOf(encrypted[0]!) : undefined,
    decryptionKeyPem,
    decryptedAssertionXml,
    responseSigned,
    assertionSigned,
  };
}

const blockCipherOf = (encryptedAssertion: XmlElement): string | undefined =>
  attr(childElements(elementsByLocalName(encryptedAssertion, 'EncryptedData')[0]!, 'EncryptionMethod', XMLENC)[0], 'Algorithm');

/** The decrypted content as a document holding exactly one assertion at its root, else undefined. */
function singleAssertion(xml: string): XmlDocument | undefined {
  try {
    const inner = parseXmlStrict(xml, 'The decrypted assertion');
    const root = inner.documentElement!;
    return root.localName === 'Assertion' && root.namespaceURI === ASSERTION && elementsByLocalName(inner, 'Assertion').length === 1 ? inner : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Before any decryption: one EncryptedData, an allowed block cipher, and every EncryptedKey on RSA-OAEP.
 * Every EncryptionMethod in the element is checked, wherever it sits, since the decryptor picks the first it finds.
 */
function checkEncryptionAlgorithms(encryptedAssertion: XmlElement): void {
  const data = elementsByLocalName(encryptedAssertion, 'EncryptedData').filter((e) => e.namespaceURI === XMLENC);
  if (data.length !== 1) refuse('cannot-decrypt', UNDECRYPTABLE);
  for (const method of elementsByLocalName(encryptedAssertion, 'EncryptionMethod')) {
    const algorithm = attr(method, 'Algorithm') ?? '';
    const parent = method.parentNode as XmlElement | null;
    const allowed = parent === data[0] ? ALLOWED_BLOCK_ENCRYPTION : parent?.localName === 'EncryptedKey' ? ALLOWED_KEY_TRANSPORT : undefined;
    if (!allowed?.has(algorithm)) {
      throw new SamlLoginError('weak-encryption', `The assertion is encrypted with ${algorithmName(algorithm)}, which is not accepted: set the identity provider to encrypt with AES-256-GCM (or AES-CBC) and RSA-OAEP.`, [
        { code: 'weak-encryption', message: 'The encryption algorithm is not accepted: set the IdP to encrypt with AES-256-GCM and RSA-OAEP', expected: 'AES-256-GCM (or AES-CBC) with RSA-OAEP', received: algorithmName(algorithm) },
      ]);
    }
  }
  if (elementsByLocalName(encryptedAssertion, 'EncryptedKey').length === 0) refuse('cannot-decrypt', UNDECRYPTABLE);
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
        hmac ? 'The SAML response is signed with HMAC, which is never accepted: the IdP must sign with RSA or ECDSA and SHA-256 or stronger.' : `The SAML response is signed with ${algorithmName(algorithm)}; only RSA or ECDSA with SHA-256 or stronger is accepted (Okta: Signature Algorithm RSA-SHA256).`,
        [{ code: hmac ? 'hmac-signature' : 'weak-signature', message: 'The signature algorithm is too weak: set the IdP to sign with RSA-SHA256', expected: 'RSA-SHA256 (or stronger)', received: algorithmName(algorithm) }],
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
    throw new SamlLoginError('weak-signature', `The SAML response's signature digests with ${algorithmName(digest)}; only SHA-256 or stronger is accepted.`, [
      { code: 'weak-signature', message: 'The digest algorithm is too weak: set the IdP to use SHA-256', expected: 'SHA-256 (or stronger)', received: algorithmName(digest) },
    ]);
  }
  for (const transform of elementsByLocalName(reference, 'Transform')) {
    if (!ALLOWED_TRANSFORMS.has(attr(transform, 'Algorithm') ?? '')) refuse('signature', 'A signature in the SAML response uses a transform we do not accept.');
  }
}
