import { X509Certificate } from 'node:crypto';
import { planLimits, planRefusal } from '../../core/tenancy/plan';
import type { ScimTokenRecord } from '../../core/tenancy/ports';
import type { IdpConfig, SamlTestOutcome, Tenant } from '../../core/tenancy/tenant';
import { isSamlActive } from '../../core/tenancy/tenant';
import { tenantUrls } from '../../core/tenancy/urls';
import type { ConsoleUrls } from './ports';

/** A certificate as an admin needs to see it: who it names, until when, and a fingerprint to compare. */
export interface CertificateView {
  readonly subject: string;
  readonly notAfter?: string;
  readonly expired: boolean;
  readonly expiresInDays?: number;
  readonly sha256Fingerprint: string;
  readonly pem: string;
  /** The IdP no longer publishes it: trusted until then (grace period), then removed. */
  readonly trustedUntil?: string;
}

export interface IdpConfigView {
  readonly configId: string;
  readonly entityId: string;
  readonly ssoUrl?: string;
  readonly metadataUrl?: string;
  readonly importedAt: string;
  readonly certificates: CertificateView[];
}

export interface SsoView {
  readonly tenantId: string;
  readonly plan: Tenant['plan'];
  readonly spEntityId: string;
  readonly acsUrl: string;
  readonly spMetadataUrl: string;
  readonly signInUrl: string;
  readonly initiateLoginUrl: string;
  readonly spCertificates: CertificateView[];
  readonly draft?: IdpConfigView & { readonly test?: SamlTestOutcome };
  readonly active?: IdpConfigView;
  readonly previous?: Pick<IdpConfigView, 'configId' | 'entityId'>;
  readonly allowIdpInitiated: boolean;
  readonly jitProvisioning: boolean;
  /** Update is possible: a draft exists and its last test passed. */
  readonly canActivate: boolean;
  /** Why Update is blocked by the plan, when it is. */
  readonly activationBlockedByPlan?: string;
  /** Recent changes to the active certificates by metadata refresh (added, grace period, removed). */
  readonly certificateChanges: CertificateChange[];
}

/** A change to the active configuration's certificates, as the activity log has it. */
export interface CertificateChange {
  readonly at: string;
  readonly summary: string;
}

export interface ScimView {
  readonly tenantId: string;
  readonly plan: Tenant['plan'];
  readonly enabled: boolean;
  readonly enabledAt?: string;
  readonly baseUrl: string;
  readonly tokens: Array<Pick<ScimTokenRecord, 'tokenId' | 'hint' | 'createdAt' | 'lastUsedAt'>>;
  readonly maxTokens: number;
  /** Why enabling is blocked by the plan, when it is. */
  readonly enableBlockedByPlan?: string;
}

export interface PlanView {
  readonly tenantId: string;
  readonly name: string;
  readonly plan: Tenant['plan'];
  readonly samlActive: boolean;
  readonly scimEnabled: boolean;
  readonly blocked: string[];
}

const DAY_MS = 86_400_000;

export function certificateView(certificate: string, now: Date): CertificateView {
  const pem = certificate.includes('BEGIN CERTIFICATE') ? certificate.trim() : toPem(certificate);
  try {
    const x509 = new X509Certificate(pem);
    const notAfter = new Date(x509.validTo);
    return {
      subject: x509.subject.replace(/\n/g, ', '),
      notAfter: notAfter.toISOString(),
      expired: notAfter.getTime() <= now.getTime(),
      expiresInDays: Math.floor((notAfter.getTime() - now.getTime()) / DAY_MS),
      sha256Fingerprint: x509.fingerprint256,
      pem,
    };
  } catch {
    return { subject: 'unreadable certificate', expired: false, sha256Fingerprint: '', pem };
  }
}

function toPem(base64Der: string): string {
  const body = base64Der.replace(/\s+/g, '').match(/.{1,64}/g)?.join('\n') ?? '';
  return `-----BEGIN CERTIFICATE-----\n${body}\n-----END CERTIFICATE-----`;
}

function idpView(config: IdpConfig, now: Date): IdpConfigView {
  return {
    configId: config.configId,
    entityId: config.entityId,
    ssoUrl: config.ssoRedirectUrl ?? config.ssoPostUrl,
    metadataUrl: config.metadataUrl,
    importedAt: config.importedAt,
    certificates: config.signingCertificates.map((cert) => {
      const trustedUntil = config.withdrawnCertificates?.find((w) => w.certificate === cert)?.trustedUntil;
      return { ...certificateView(cert, now), ...(trustedUntil ? { trustedUntil } : {}) };
    }),
  };
}

export function ssoView(tenant: Tenant, urls: ConsoleUrls, spCertificates: string[], now: Date, certificateChanges: CertificateChange[] = []): SsoView {
  const sp = tenantUrls(urls.api, tenant.id);
  const draft = tenant.sso.draft;
  const blocked = planRefusal(tenant, 'activate-saml');
  return {
    tenantId: tenant.id,
    plan: tenant.plan,
    spEntityId: sp.spEntityId,
    acsUrl: sp.acsUrl,
    spMetadataUrl: sp.spMetadataUrl,
    signInUrl: sp.signInUrl,
    initiateLoginUrl: sp.initiateLoginUrl,
    spCertificates: spCertificates.map((cert) => certificateView(cert, now)),
    draft: draft ? { ...idpView(draft, now), test: draft.test } : undefined,
    active: tenant.sso.active ? idpView(tenant.sso.active, now) : undefined,
    previous: tenant.sso.previous ? { configId: tenant.sso.previous.configId, entityId: tenant.sso.previous.entityId } : undefined,
    allowIdpInitiated: tenant.sso.allowIdpInitiated,
    jitProvisioning: tenant.sso.jitProvisioning,
    canActivate: draft?.test?.status === 'passed' && !blocked,
    activationBlockedByPlan: blocked,
    certificateChanges,
  };
}

export function scimView(tenant: Tenant, urls: ConsoleUrls, tokens: ScimTokenRecord[]): ScimView {
  return {
    tenantId: tenant.id,
    plan: tenant.plan,
    enabled: tenant.scim.enabled,
    enabledAt: tenant.scim.enabledAt,
    baseUrl: tenantUrls(urls.api, tenant.id).scimBaseUrl,
    tokens: [...tokens]
      .sort((a, b) => b.createdAt.localeCompare(a.createdAt))
      .map(({ tokenId, hint, createdAt, lastUsedAt }) => ({ tokenId, hint, createdAt, lastUsedAt })),
    maxTokens: 2,
    enableBlockedByPlan: planRefusal(tenant, 'enable-scim'),
  };
}

export function planView(tenant: Tenant): PlanView {
  return { tenantId: tenant.id, name: tenant.name, plan: tenant.plan, samlActive: isSamlActive(tenant), scimEnabled: tenant.scim.enabled, blocked: planLimits(tenant) };
}
