import type { TenantId } from '../ids';

export type Plan = 'trial' | 'paid';

/** What we know of a tenant's SAML IdP, parsed from its metadata. */
export interface IdpConfig {
  /** Identifies this exact configuration, so that Update activates only the draft that was tested. */
  readonly configId: string;
  readonly entityId: string;
  /** SingleSignOnService, HTTP-Redirect binding (where AuthnRequests go). */
  readonly ssoRedirectUrl?: string;
  /** SingleSignOnService, HTTP-POST binding. */
  readonly ssoPostUrl?: string;
  /** Signing certificates, base64 DER without PEM armour; a response must verify against one of them. */
  readonly signingCertificates: string[];
  /** The IdP asks for signed AuthnRequests (WantAuthnRequestsSigned). */
  readonly wantAuthnRequestsSigned: boolean;
  /** Where the metadata came from, for refresh; absent when the XML was pasted. */
  readonly metadataUrl?: string;
  readonly importedAt: string;
  /** Signing certificates the refreshed metadata no longer publishes, trusted until their grace period ends (core/sso/certificate-trust.ts). */
  readonly withdrawnCertificates?: readonly WithdrawnCertificate[];
}

/** A signing certificate the IdP stopped publishing: still trusted until `trustedUntil`. */
export interface WithdrawnCertificate {
  /** Base64 DER, as in signingCertificates. */
  readonly certificate: string;
  readonly since: string;
  readonly trustedUntil: string;
}

export type SamlTestOutcome =
  | { readonly status: 'passed'; readonly at: string; readonly attributes: Record<string, string[]>; readonly nameId: string; readonly advice?: SamlProblem[] }
  | { readonly status: 'failed'; readonly at: string; readonly problems: SamlProblem[] };

/** One thing wrong with a test login, in plain words, with what we expected and what came. */
export interface SamlProblem {
  readonly code: string;
  readonly message: string;
  readonly expected?: string;
  readonly received?: string;
}

export interface SsoSettings {
  /** Imported but not yet active; `test` is the last Test SAML of exactly this draft. */
  readonly draft?: IdpConfig & { readonly test?: SamlTestOutcome };
  readonly active?: IdpConfig;
  /** The configuration active before the last Update, for one-step rollback. */
  readonly previous?: IdpConfig;
  readonly allowIdpInitiated: boolean;
  readonly jitProvisioning: boolean;
  /** Allowed clock skew for NotBefore/NotOnOrAfter. */
  readonly clockSkewSec: number;
}

export interface ScimSettings {
  readonly enabled: boolean;
  readonly enabledAt?: string;
}

export interface Tenant {
  readonly id: TenantId;
  readonly name: string;
  readonly plan: Plan;
  /** Email domains, lowercase; each maps to at most this one tenant. */
  readonly domains: string[];
  readonly sso: SsoSettings;
  readonly scim: ScimSettings;
  readonly createdAt: string;
  readonly updatedAt: string;
  /** Optimistic concurrency: incremented on every write. */
  readonly version: number;
}

export const DEFAULT_SSO_SETTINGS: SsoSettings = {
  allowIdpInitiated: true,
  jitProvisioning: true,
  clockSkewSec: 120,
};

/** Seed text: "When using SAML as the SSO mode with provisioning, your tenant must be upgraded from a free trial." */
export const UPGRADE_REQUIRED_MESSAGE =
  'SAML single sign-on together with SCIM provisioning needs a paid plan: upgrade this tenant from the free trial first';

export const isSamlActive = (tenant: Tenant): boolean => tenant.sso.active !== undefined;

/** A domain as stored and looked up: lowercase, no trailing dot. */
export function normaliseDomain(domain: string): string {
  return domain.trim().toLowerCase().replace(/\.$/, '');
}

const DOMAIN_PATTERN = /^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/;
export const isValidDomain = (domain: string): boolean => DOMAIN_PATTERN.test(domain);

/** The domain part of an email address, normalised, or undefined if it is not an address. */
export function emailDomain(email: string): string | undefined {
  const at = email.lastIndexOf('@');
  if (at < 1 || at === email.length - 1) return undefined;
  const domain = normaliseDomain(email.slice(at + 1));
  return isValidDomain(domain) ? domain : undefined;
}
