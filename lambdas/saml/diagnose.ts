import { X509Certificate } from 'node:crypto';
import { sha256Hex } from '../core/digest';
import type { SamlProblem } from '../core/tenancy/tenant';
import type { GuardedResponse } from './response-guard';
import type { ValidationExpectations } from './saml-provider';
import { attr, childElements, elementsByLocalName, parseXmlStrict, textOf, type XmlElement } from '../adapters/xml/strict-xml';

const ASSERTION = 'urn:oasis:names:tc:SAML:2.0:assertion';
const PROTOCOL = 'urn:oasis:names:tc:SAML:2.0:protocol';
const DSIG = 'http://www.w3.org/2000/09/xmldsig#';

/** What a test response is checked against: the validation's expectations, without a request to answer. */
export type DiagnosisContext = Omit<ValidationExpectations, 'requestId'>;

/** SHA-256 fingerprint of a base64 DER certificate, as admins compare them (AB:CD:...). */
export function fingerprint(base64Der: string): string {
  return sha256Hex(Buffer.from(base64Der.replace(/\s+/g, ''), 'base64')).toUpperCase().match(/.{2}/g)!.join(':');
}

/**
 * Reads an UNVERIFIED response to explain what is wrong with it, expected versus received, in plain
 * words. For the Test SAML page only: nothing here is ever used for identity or access.
 */
export function diagnose(guarded: GuardedResponse, context: DiagnosisContext): SamlProblem[] {
  const problems: SamlProblem[] = [];
  const root = guarded.document.documentElement!;
  const assertion: XmlElement | undefined = guarded.decryptedAssertionXml
    ? parseXmlStrict(guarded.decryptedAssertionXml).documentElement ?? undefined
    : childElements(root, 'Assertion', ASSERTION)[0];

  const status = childElements(root, 'Status', PROTOCOL)[0];
  const statusCode = status ? attr(childElements(status, 'StatusCode', PROTOCOL)[0], 'Value') : undefined;
  if (statusCode && !statusCode.endsWith(':Success')) {
    problems.push({ code: 'idp-status', message: 'The identity provider reported that the sign-in did not succeed', expected: 'urn:oasis:names:tc:SAML:2.0:status:Success', received: statusCode + (textOf(childElements(status!, 'StatusMessage', PROTOCOL)[0]) ? ` (${textOf(childElements(status!, 'StatusMessage', PROTOCOL)[0])})` : '') });
  }
  const issuers = [guarded.responseIssuer, assertion ? textOf(childElements(assertion, 'Issuer', ASSERTION)[0]) : undefined].filter((v): v is string => v !== undefined);
  const wrongIssuer = issuers.find((issuer) => issuer !== context.idp.entityId);
  if (wrongIssuer !== undefined || (assertion && issuers.length === 0)) {
    problems.push({ code: 'issuer', message: 'The response comes from another identity provider than the metadata describes (Issuer)', expected: context.idp.entityId, received: wrongIssuer ?? '(missing)' });
  }
  if (guarded.destination !== context.acsUrl) {
    problems.push({ code: 'destination', message: 'The IdP sent the response to another address (Destination): set the Single sign-on URL (ACS) in the IdP to this value', expected: context.acsUrl, received: guarded.destination ?? '(missing)' });
  }
  if (!assertion) return problems;

  const conditions = childElements(assertion, 'Conditions', ASSERTION)[0];
  const audiences = conditions ? elementsByLocalName(conditions, 'Audience').map((a) => textOf(a) ?? '') : [];
  if (!audiences.includes(context.spEntityId)) {
    problems.push({ code: 'audience', message: 'The response is meant for another service (Audience): set the Audience URI (SP Entity ID) in the IdP to this value', expected: context.spEntityId, received: audiences.join(', ') || '(missing)' });
  }
  const subject = childElements(assertion, 'Subject', ASSERTION)[0];
  const confirmationData = subject ? elementsByLocalName(subject, 'SubjectConfirmationData') : [];
  const recipients = confirmationData.map((d) => attr(d, 'Recipient') ?? '(missing)');
  if (!recipients.includes(context.acsUrl)) {
    problems.push({ code: 'recipient', message: 'The assertion names another recipient (Recipient): set the Recipient URL in the IdP to the ACS URL', expected: context.acsUrl, received: recipients.join(', ') || '(missing)' });
  }
  const now = context.now.getTime();
  const skew = context.clockSkewSec * 1000;
  const notBefore = Date.parse(attr(conditions, 'NotBefore') ?? '');
  const notOnOrAfter = Math.min(...[attr(conditions, 'NotOnOrAfter'), ...confirmationData.map((d) => attr(d, 'NotOnOrAfter'))].map((v) => Date.parse(v ?? '')).filter(Number.isFinite));
  if (Number.isFinite(notBefore) && now + skew < notBefore) {
    problems.push({ code: 'clock-skew', message: `The assertion is not valid yet: the IdP's clock is ahead of ours by more than the allowed ${context.clockSkewSec} s`, expected: `NotBefore at or before ${new Date(now + skew).toISOString()}`, received: new Date(notBefore).toISOString() });
  }
  if (Number.isFinite(notOnOrAfter) && now - skew >= notOnOrAfter) {
    problems.push({ code: 'expired', message: `The assertion has expired, or the IdP's clock is behind ours by more than the allowed ${context.clockSkewSec} s`, expected: `NotOnOrAfter after ${new Date(now - skew).toISOString()}`, received: new Date(notOnOrAfter).toISOString() });
  }

  if (!guarded.responseSigned && !guarded.assertionSigned) {
    problems.push({ code: 'unsigned', message: 'Neither the response nor the assertion is signed: set the IdP to sign the assertion (Okta: Assertion Signature "Signed")', expected: 'a signed assertion (RSA-SHA256)', received: 'no signature' });
  } else {
    const signatureParents = [guarded.responseSigned ? root : undefined, guarded.assertionSigned ? assertion : undefined].filter((e): e is XmlElement => e !== undefined);
    const sent = signatureParents.flatMap((parent) => childElements(parent, 'Signature', DSIG)).flatMap((s) => elementsByLocalName(s, 'X509Certificate').map((c) => (textOf(c) ?? '').replace(/\s+/g, '')));
    const configured = context.idp.signingCertificates.map(fingerprint);
    const foreign = sent.filter((c) => !configured.includes(safeFingerprint(c)));
    if (sent.length > 0 && foreign.length === sent.length) {
      problems.push({ code: 'certificate', message: 'The response is signed with a certificate that is not in the imported metadata: re-import the IdP metadata (the IdP may have rotated its certificate)', expected: configured.join(' or '), received: foreign.map(safeFingerprint).join(', ') + describeCertificate(foreign[0]!) });
    }
  }

  const attributeNames = elementsByLocalName(assertion, 'Attribute').map((a) => attr(a, 'Name') ?? '');
  if (!attributeNames.includes('email')) {
    problems.push({ code: 'missing-email', message: 'The assertion has no "email" attribute: add the attribute statement email = user.email in the IdP', expected: 'email', received: attributeNames.join(', ') || '(no attributes)' });
  }
  return problems;
}

function safeFingerprint(base64Der: string): string {
  try {
    return fingerprint(base64Der);
  } catch {
    return '(unreadable certificate)';
  }
}

function describeCertificate(base64Der: string): string {
  try {
    const certificate = new X509Certificate(Buffer.from(base64Der, 'base64'));
    return ` (${certificate.subject.replace(/\n/g, ', ')}, valid until ${new Date(certificate.validTo).toISOString().slice(0, 10)})`;
  } catch {
    return '';
  }
}
