import { randomUUID } from 'node:crypto';
import * as samlify from 'samlify';
import { generateSpCredential, type SpCredential } from '../../../lambdas/saml/sp-credentials';
import { escapeXml } from '../../../lambdas/adapters/xml/strict-xml';

// We only produce messages with samlify (it is the independent IdP), never validate with it.
samlify.setSchemaValidator({ validate: async () => 'skipped' });

const POST = 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST';
const REDIRECT = 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect';
export const RSA_SHA256 = 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256';
export const RSA_SHA1 = 'http://www.w3.org/2000/09/xmldsig#rsa-sha1';

let sharedCredential: SpCredential | undefined;
/** One IdP key per test process: RSA key generation is the slow part. */
export const idpCredential = (): SpCredential => (sharedCredential ??= generateSpCredential('samlify test IdP', 365));

export interface ResponseOptions {
  readonly acsUrl: string;
  readonly audience: string;
  readonly inResponseTo?: string;
  readonly nameId: string;
  readonly attributes?: Record<string, string | string[]>;
  readonly signAssertion?: boolean;
  readonly signResponse?: boolean;
  /** Our SP certificate: the assertion is then encrypted to it. */
  readonly encryptTo?: string;
  readonly destination?: string;
  readonly recipient?: string;
  readonly issuer?: string;
  readonly notBefore?: Date;
  readonly notOnOrAfter?: Date;
  readonly issueInstant?: Date;
  readonly assertionId?: string;
  readonly signatureAlgorithm?: string;
  /** The block cipher of an encrypted assertion. @default AES-256-CBC (what Okta offers first) */
  readonly dataEncryption?: string;
  /** The key transport of an encrypted assertion. @default RSA-OAEP */
  readonly keyEncryption?: string;
}

export const AES256_CBC = 'http://www.w3.org/2001/04/xmlenc#aes256-cbc';
export const AES256_GCM = 'http://www.w3.org/2009/xmlenc11#aes256-gcm';
export const TRIPLE_DES = 'http://www.w3.org/2001/04/xmlenc#tripledes-cbc';
export const RSA_OAEP = 'http://www.w3.org/2001/04/xmlenc#rsa-oaep-mgf1p';
export const RSA_1_5 = 'http://www.w3.org/2001/04/xmlenc#rsa-1_5';

/** A SAML IdP on samlify (not our code) that signs with real keys. */
export class SamlifyIdp {
  readonly credential: SpCredential;
  readonly entityId: string;
  readonly ssoUrl: string;

  constructor(options: { entityId?: string; ssoUrl?: string; credential?: SpCredential; wantAuthnRequestsSigned?: boolean } = {}) {
    this.credential = options.credential ?? idpCredential();
    this.entityId = options.entityId ?? 'http://www.okta.com/exk-test-idp';
    this.ssoUrl = options.ssoUrl ?? 'https://idp.example.test/app/sso/saml';
    this.wantAuthnRequestsSigned = options.wantAuthnRequestsSigned ?? false;
  }

  private readonly wantAuthnRequestsSigned: boolean;

  private idp(signatureAlgorithm = RSA_SHA256, encrypt = false, dataEncryption = AES256_CBC, keyEncryption = RSA_OAEP) {
    return samlify.IdentityProvider({
      entityID: this.entityId,
      privateKey: this.credential.privateKeyPem,
      signingCert: this.credential.certificatePem,
      encryptCert: this.credential.certificatePem,
      isAssertionEncrypted: encrypt,
      dataEncryptionAlgorithm: dataEncryption,
      keyEncryptionAlgorithm: keyEncryption,
      requestSignatureAlgorithm: signatureAlgorithm,
      wantAuthnRequestsSigned: this.wantAuthnRequestsSigned,
      singleSignOnService: [
        { Binding: REDIRECT, Location: this.ssoUrl },
        { Binding: POST, Location: this.ssoUrl },
      ],
      singleLogoutService: [{ Binding: REDIRECT, Location: `${this.ssoUrl}/slo` }],
      nameIDFormat: ['urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress'],
    } as Parameters<typeof samlify.IdentityProvider>[0]);
  }

  metadata(): string {
    return this.idp().getMetadata();
  }

  /** A base64 SAMLResponse as the IdP would POST it. */
  async response(options: ResponseOptions): Promise<string> {
    const signAssertion = options.signAssertion ?? true;
    const signResponse = options.signResponse ?? false;
    const sp = samlify.ServiceProvider({
      entityID: options.audience,
      wantAssertionsSigned: signAssertion,
      wantMessageSigned: signResponse,
      encryptCert: options.encryptTo,
      assertionConsumerService: [{ Binding: POST, Location: options.acsUrl }],
      singleLogoutService: [{ Binding: REDIRECT, Location: options.acsUrl }],
    });
    const xml = this.responseXml(options);
    const result = await this.idp(options.signatureAlgorithm, options.encryptTo !== undefined, options.dataEncryption, options.keyEncryption).createLoginResponse(sp, { extract: {} }, 'post', { email: options.nameId }, {
      customTagReplacement: () => ({ id: 'unused', context: xml }),
    });
    return result.context;
  }

  /** The unsigned Response XML the IdP would sign, with every field controllable. */
  responseXml(options: ResponseOptions): string {
    const now = options.issueInstant ?? new Date();
    const notBefore = options.notBefore ?? new Date(now.getTime() - 5_000);
    const notOnOrAfter = options.notOnOrAfter ?? new Date(now.getTime() + 5 * 60_000);
    const issuer = escapeXml(options.issuer ?? this.entityId);
    const inResponseTo = options.inResponseTo ? ` InResponseTo="${escapeXml(options.inResponseTo)}"` : '';
    const attributes = Object.entries(options.attributes ?? {})
      .map(
        ([name, value]) =>
          `<saml:Attribute Name="${escapeXml(name)}" NameFormat="urn:oasis:names:tc:SAML:2.0:attrname-format:unspecified">` +
          (Array.isArray(value) ? value : [value]).map((v) => `<saml:AttributeValue xsi:type="xs:string">${escapeXml(v)}</saml:AttributeValue>`).join('') +
          '</saml:Attribute>',
      )
      .join('');
    return (
      `<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="_${randomUUID()}" Version="2.0" IssueInstant="${now.toISOString()}" Destination="${escapeXml(options.destination ?? options.acsUrl)}"${inResponseTo}>` +
      `<saml:Issuer>${issuer}</saml:Issuer><samlp:Status><samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Success"/></samlp:Status>` +
      `<saml:Assertion xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:xs="http://www.w3.org/2001/XMLSchema" ID="${escapeXml(options.assertionId ?? `_${randomUUID()}`)}" Version="2.0" IssueInstant="${now.toISOString()}">` +
      `<saml:Issuer>${issuer}</saml:Issuer>` +
      `<saml:Subject><saml:NameID Format="urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress">${escapeXml(options.nameId)}</saml:NameID>` +
      `<saml:SubjectConfirmation Method="urn:oasis:names:tc:SAML:2.0:cm:bearer"><saml:SubjectConfirmationData NotOnOrAfter="${notOnOrAfter.toISOString()}" Recipient="${escapeXml(options.recipient ?? options.acsUrl)}"${inResponseTo}/></saml:SubjectConfirmation></saml:Subject>` +
      `<saml:Conditions NotBefore="${notBefore.toISOString()}" NotOnOrAfter="${notOnOrAfter.toISOString()}"><saml:AudienceRestriction><saml:Audience>${escapeXml(options.audience)}</saml:Audience></saml:AudienceRestriction></saml:Conditions>` +
      `<saml:AuthnStatement AuthnInstant="${now.toISOString()}" SessionIndex="_s${randomUUID()}"><saml:AuthnContext><saml:AuthnContextClassRef>urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport</saml:AuthnContextClassRef></saml:AuthnContext></saml:AuthnStatement>` +
      (attributes ? `<saml:AttributeStatement>${attributes}</saml:AttributeStatement>` : '') +
      `</saml:Assertion></samlp:Response>`
    );
  }
}

export const decode = (base64: string): string => Buffer.from(base64, 'base64').toString('utf8');
export const encode = (xml: string): string => Buffer.from(xml, 'utf8').toString('base64');

let otherCredential: SpCredential | undefined;
/** A second key pair (an attacker's, or an IdP's rotated key). */
export const generateOtherCredential = (): SpCredential => (otherCredential ??= generateSpCredential('another key', 30));
