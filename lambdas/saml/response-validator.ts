import type { Profile } from '@node-saml/node-saml';
import type { GuardedResponse } from './response-guard';
import { samlFor, type ValidationExpectations } from './saml-provider';
import { SamlLoginError } from './saml-errors';
import { attr, childElements, parseXmlStrict, textOf } from '../adapters/xml/strict-xml';

const ASSERTION = 'urn:oasis:names:tc:SAML:2.0:assertion';
const BEARER = 'urn:oasis:names:tc:SAML:2.0:cm:bearer';
const SUCCESS = 'urn:oasis:names:tc:SAML:2.0:status:Success';

// Identifiers become storage keys and session attributes: bounded before they get there (DynamoDB keys stop at 1-2 KB).
const MAX_IDENTIFIER_CHARS = 256;
const MAX_NAME_ID_CHARS = 320;
const tooLong = () => new SamlLoginError('too-long', 'The assertion carries an identifier longer than this service accepts.');

/** What a validated assertion says: read only from the bytes its signature covers. */
export interface ValidatedAssertion {
  readonly nameId: string;
  readonly nameIdFormat?: string;
  readonly attributes: Record<string, string[]>;
  readonly assertionId: string;
  readonly issuer: string;
  readonly sessionIndex?: string;
  /** Until when the assertion could be replayed: the replay cache keeps its ID that long. */
  readonly validUntil: Date;
}

const nodeSamlCodes: [RegExp, string, string][] = [
  [/InResponseTo is missing/i, 'unsolicited', 'The response does not answer a sign-in request we made.'],
  [/InResponseTo|SubjectInResponseTo/i, 'in-response-to', 'The response answers a sign-in request we did not make, or one that was already used or has expired.'],
  [/not yet valid/i, 'not-yet-valid', 'The response is not valid yet: the clocks of the identity provider and this service disagree.'],
  [/expired/i, 'expired', 'The response has expired. Please sign in again.'],
  [/subject confirmation/i, 'expired', 'The response has expired, or the clocks of the identity provider and this service disagree. Please sign in again.'],
  [/audience/i, 'audience', 'The response is meant for another service (wrong audience).'],
  [/multiple assertions/i, 'multiple-assertions', 'The SAML response must carry exactly one assertion.'],
  [/signature|signed/i, 'signature', 'The response signature could not be verified with the identity provider certificate configured here.'],
  [/issuer/i, 'issuer', 'The response comes from an identity provider other than the one configured.'],
  [/SAML provider returned/i, 'idp-status', 'The identity provider reported that the sign-in did not succeed.'],
  [/decrypt/i, 'cannot-decrypt', 'The encrypted assertion could not be decrypted with our SP key.'],
  [/Missing SAML assertion/i, 'no-assertion', 'The SAML response carries no assertion.'],
];

/** Maps a node-saml error to a stable code and plain words. */
function fromNodeSamlError(error: unknown): SamlLoginError {
  if (error instanceof SamlLoginError) return error;
  const message = error instanceof Error ? error.message : String(error);
  for (const [pattern, code, words] of nodeSamlCodes) if (pattern.test(message)) return new SamlLoginError(code, words);
  return new SamlLoginError('invalid', 'The SAML response is not valid.');
}

/**
 * Full validation of a guarded response: node-saml (signature against the configured certificates
 * only, audience, timestamps, InResponseTo), then our checks on the signed assertion (issuer,
 * bearer confirmation Recipient/NotOnOrAfter/InResponseTo) and on the Response (Destination, Issuer).
 */
export async function validateResponse(guarded: GuardedResponse, expect: ValidationExpectations): Promise<ValidatedAssertion> {
  if (guarded.destination !== expect.acsUrl) {
    throw new SamlLoginError('destination', 'The response was addressed to another URL (Destination) than this service’s ACS URL.', [
      { code: 'destination', message: 'Destination must be this tenant’s ACS URL', expected: expect.acsUrl, received: guarded.destination ?? '(missing)' },
    ]);
  }
  if (guarded.statusCode !== SUCCESS) {
    throw new SamlLoginError('idp-status', 'The identity provider reported that the sign-in did not succeed.', [
      { code: 'idp-status', message: 'The identity provider reported an error instead of a sign-in', expected: SUCCESS, received: guarded.statusCode ?? '(missing)' },
    ]);
  }
  if (guarded.responseIssuer !== undefined && guarded.responseIssuer !== expect.idp.entityId) {
    throw new SamlLoginError('issuer', 'The response comes from an identity provider other than the one configured.');
  }
  if (expect.requestId === undefined && guarded.inResponseTo !== undefined) {
    throw new SamlLoginError('in-response-to', 'The response answers a sign-in request we did not make, or one that was already used or has expired.');
  }
  let profile: Profile | null;
  try {
    const result = await samlFor({ ...expect, decryptionKeyPem: guarded.decryptionKeyPem }).validatePostResponseAsync({ SAMLResponse: Buffer.from(guarded.xml, 'utf8').toString('base64') });
    profile = result.profile;
  } catch (error) {
    throw fromNodeSamlError(error);
  }
  if (!profile || typeof profile.getAssertionXml !== 'function') throw new SamlLoginError('no-assertion', 'The SAML response carries no assertion.');

  // The verified assertion bytes (canonical, comments removed): every identity fact comes from here.
  const signed = parseXmlStrict(profile.getAssertionXml(), 'The signed assertion').documentElement!;
  if (signed.localName !== 'Assertion' || signed.namespaceURI !== ASSERTION) throw new SamlLoginError('signature', 'The signature does not cover the assertion.');
  const issuer = textOf(childElements(signed, 'Issuer', ASSERTION)[0]);
  if (issuer !== expect.idp.entityId) {
    throw new SamlLoginError('issuer', 'The response comes from an identity provider other than the one configured.', [
      { code: 'issuer', message: 'Issuer must be the IdP entity ID from its metadata', expected: expect.idp.entityId, received: issuer ?? '(missing)' },
    ]);
  }
  const assertionId = attr(signed, 'ID');
  if (!assertionId) throw new SamlLoginError('malformed', 'The assertion has no ID.');
  if (assertionId.length > MAX_IDENTIFIER_CHARS) throw tooLong();

  const subject = childElements(signed, 'Subject', ASSERTION)[0];
  const nameIdElement = subject ? childElements(subject, 'NameID', ASSERTION)[0] : undefined;
  const nameId = textOf(nameIdElement);
  if (!nameId) throw new SamlLoginError('no-name-id', 'The assertion does not say who signed in (no NameID).');
  if (nameId.length > MAX_NAME_ID_CHARS) throw tooLong();
  const skewMs = expect.clockSkewSec * 1000;
  const now = expect.now.getTime();
  const bearer = (subject ? childElements(subject, 'SubjectConfirmation', ASSERTION) : []).filter((c) => attr(c, 'Method') === BEARER);
  const confirmations = bearer.map((c) => childElements(c, 'SubjectConfirmationData', ASSERTION)[0]);
  const recipientOk = confirmations.filter((data) => attr(data, 'Recipient') === expect.acsUrl);
  if (recipientOk.length === 0) {
    throw new SamlLoginError('recipient', 'The assertion was issued for another URL (Recipient) than this service’s ACS URL.', [
      { code: 'recipient', message: 'SubjectConfirmationData Recipient must be this tenant’s ACS URL', expected: expect.acsUrl, received: confirmations.map((d) => attr(d, 'Recipient') ?? '(missing)').join(', ') || '(no bearer confirmation)' },
    ]);
  }
  const live = recipientOk.filter((data) => {
    const notOnOrAfter = Date.parse(attr(data, 'NotOnOrAfter') ?? '');
    const notBefore = attr(data, 'NotBefore') ? Date.parse(attr(data, 'NotBefore')!) : -Infinity;
    return Number.isFinite(notOnOrAfter) && now - skewMs < notOnOrAfter && now + skewMs >= notBefore;
  });
  if (live.length === 0) throw new SamlLoginError('expired', 'The response has expired. Please sign in again.');
  const confirmation = live[0]!;
  const confirmedRequest = attr(confirmation, 'InResponseTo');
  if (expect.requestId !== undefined ? confirmedRequest !== expect.requestId : confirmedRequest !== undefined) {
    throw new SamlLoginError('in-response-to', 'The response answers a sign-in request we did not make, or one that was already used or has expired.');
  }

  const conditions = childElements(signed, 'Conditions', ASSERTION)[0];
  const validUntil = Math.max(Date.parse(attr(confirmation, 'NotOnOrAfter')!), Date.parse(attr(conditions, 'NotOnOrAfter') ?? '') || 0);
  const attributes: Record<string, string[]> = {};
  for (const statement of childElements(signed, 'AttributeStatement', ASSERTION)) {
    for (const attribute of childElements(statement, 'Attribute', ASSERTION)) {
      const name = attr(attribute, 'Name');
      if (!name) continue;
      const values = childElements(attribute, 'AttributeValue', ASSERTION).map((v) => textOf(v) ?? '');
      attributes[name] = [...(attributes[name] ?? []), ...values];
    }
  }
  const authn = childElements(signed, 'AuthnStatement', ASSERTION)[0];
  if ((attr(authn, 'SessionIndex')?.length ?? 0) > MAX_IDENTIFIER_CHARS || issuer.length > MAX_IDENTIFIER_CHARS) throw tooLong();
  return {
    nameId,
    nameIdFormat: attr(nameIdElement, 'Format'),
    attributes,
    assertionId,
    issuer,
    sessionIndex: attr(authn, 'SessionIndex'),
    validUntil: new Date(validUntil + skewMs),
  };
}
