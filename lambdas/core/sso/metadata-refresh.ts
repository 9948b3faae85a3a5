import { randomUUID, X509Certificate } from 'node:crypto';
import type { ActivityLog } from '../activity/events';
import type { Clock } from '../clock';
import { PreconditionFailedError } from '../errors';
import type { TenantId } from '../ids';
import type { EphemeralStore } from '../sessions/ports';
import type { TenantRepository } from '../tenancy/ports';
import type { IdpConfig, Tenant } from '../tenancy/tenant';
import { planCertificates, WITHDRAWN_CERTIFICATE_GRACE_DAYS, type CertificatePlan } from './certificate-trust';
import { IdpMetadataError, MetadataFetchError, type IdpMetadata, type IdpMetadataSource } from './ports';
import { sha256Hex } from '../digest';

/** A tenant's metadata URL is fetched at most once per this period (the maintenance run is every 5 minutes). */
const METADATA_REFRESH_INTERVAL_SEC = 6 * 3600;
/** An IdP signing certificate expiring within this many days is warned about (once a day). */
const CERTIFICATE_WARNING_DAYS = 30;
/** Daily rate-limit keys outlive their day, so a late run of the same day still finds them. */
const DAILY_KEY_TTL_SEC = 2 * 86_400;
const ACTOR = 'maintenance';

export const metadataRefreshedKey = (tenantId: TenantId): string => `metadata-refreshed:${tenantId}`;

export interface MetadataRefreshDeps {
  readonly tenants: TenantRepository;
  readonly ephemeral: EphemeralStore;
  readonly activity: ActivityLog;
  readonly clock: Clock;
  /** The SSRF-safe fetch of the runtime mode and the metadata reader. */
  readonly metadata: IdpMetadataSource;
}

export type RefreshOutcome =
  /** No active configuration. */
  | 'no-active-config'
  /** Refreshed within the period (the marker is set): nothing fetched. */
  | 'not-due'
  /** Active configuration pasted as XML: only certificate expiry is checked. */
  | 'no-metadata-url'
  | 'unchanged'
  | 'certificates-added'
  /** entityID or SSO URLs differ: nothing applied, an admin must re-import and test. */
  | 'changed'
  | 'failed';

export interface RefreshResult {
  readonly outcome: RefreshOutcome;
  readonly certificatesAdded: number;
  readonly certificatesRemoved: number;
  /** Certificates the metadata stopped publishing on this refresh (now in their grace period). */
  readonly certificatesWithdrawn: number;
  readonly expiryWarnings: number;
  /** Plain words, for `failed`. */
  readonly reason?: string;
}

interface CertificateInfo {
  readonly body: string;
  readonly sha256: string;
  readonly notAfter?: Date;
}

/**
 * Scheduled refresh of a tenant's IdP metadata (FIELD-NOTES "gaps"): new signing certificates the
 * IdP publishes are added to the active configuration before the IdP starts signing with them; one
 * the metadata no longer lists stays trusted for a grace period, then is removed (certificate-trust.ts);
 * a changed entityID or SSO URL is never applied silently (an admin re-imports and tests);
 * certificates close to expiry are warned about once a day. One tenant's failure never throws.
 */
export class IdpMetadataRefresh {
  constructor(private readonly deps: MetadataRefreshDeps) {}

  /** Refreshes unless this tenant was refreshed within METADATA_REFRESH_INTERVAL_SEC (a shared marker). */
  async refreshIfDue(tenant: Tenant): Promise<RefreshResult> {
    if (!tenant.sso.active) return result('no-active-config');
    try {
      const key = metadataRefreshedKey(tenant.id);
      // A read first: most runs find the marker, and a read is cheaper than a failed conditional write.
      if ((await this.deps.ephemeral.get(key)) !== undefined) return result('not-due');
      const now = this.deps.clock.now();
      if (!(await this.deps.ephemeral.putIfAbsent(key, now.toISOString(), new Date(now.getTime() + METADATA_REFRESH_INTERVAL_SEC * 1000)))) return result('not-due');
    } catch (error) {
      return result('failed', { reason: `the refresh marker could not be written (${(error as Error).message})` });
    }
    return this.refresh(tenant);
  }

  /** Fetches and applies now. Never throws: a failure is returned (and recorded, once a day, when it is the IdP's). */
  async refresh(tenant: Tenant): Promise<RefreshResult> {
    try {
      return await this.refreshOrThrow(tenant);
    } catch (error) {
      return result('failed', { reason: (error as Error).message });
    }
  }

  private async refreshOrThrow(tenant: Tenant): Promise<RefreshResult> {
    const active = tenant.sso.active;
    if (!active) return result('no-active-config');
    if (!active.metadataUrl) return result('no-metadata-url', { expiryWarnings: await this.warnExpiring(tenant.id, active) });

    let parsed: IdpMetadata;
    try {
      parsed = this.deps.metadata.parse(await this.deps.metadata.fetch(active.metadataUrl));
    } catch (error) {
      if (!(error instanceof MetadataFetchError || error instanceof IdpMetadataError)) throw error;
      const reason = error.message;
      if (await this.once(`metadata-refresh-failed:${tenant.id}:${this.day()}`)) {
        await this.record(tenant.id, 'sso.metadata.refresh-failed', `The IdP metadata could not be refreshed from ${active.metadataUrl}: ${reason}. The current configuration stays in use.`);
      }
      return result('failed', { reason, expiryWarnings: await this.warnExpiring(tenant.id, active) });
    }

    const changes = endpointChanges(active, parsed);
    if (changes.length > 0) {
      const digest = sha256Hex(changes.join('\n'));
      if (await this.once(`metadata-changed:${tenant.id}:${digest}:${this.day()}`)) {
        await this.record(tenant.id, 'sso.metadata.changed', `The IdP metadata at ${active.metadataUrl} changed (${changes.join('; ')}). Nothing was applied: an admin must re-import the metadata and run Test SAML.`.slice(0, 1000));
      }
      return result('changed', { expiryWarnings: await this.warnExpiring(tenant.id, active) });
    }

    const applied = await this.applyCertificates(tenant.id, active.configId, parsed.signingCertificates);
    const config = applied?.config ?? active;
    if (applied) await this.recordCertificateChanges(tenant.id, applied);
    return result(applied && applied.added.length > 0 ? 'certificates-added' : 'unchanged', {
      certificatesAdded: applied?.added.length ?? 0,
      certificatesRemoved: applied?.removed.length ?? 0,
      certificatesWithdrawn: applied?.withdrawn.length ?? 0,
      expiryWarnings: await this.warnExpiring(tenant.id, config),
    });
  }

  /**
   * Applies planCertificates (certificate-trust.ts) to the active configuration: new certificates added,
   * unpublished ones into their grace period, those past it (or expired) removed. Read-modify-write on the
   * tenant version, retried once on a concurrent change; undefined when nothing had to change or the active
   * configuration was replaced meanwhile.
   */
  private async applyCertificates(tenantId: TenantId, configId: string, published: string[]): Promise<CertificatePlan | undefined> {
    for (let attempt = 0; ; attempt++) {
      const tenant = await this.deps.tenants.get(tenantId);
      const active = tenant?.sso.active;
      if (!tenant || !active || active.configId !== configId) return undefined;
      const now = this.deps.clock.now();
      const plan = planCertificates(active, published, now);
      if (!plan) return undefined;
      try {
        await this.deps.tenants.replace({ ...tenant, sso: { ...tenant.sso, active: plan.config }, updatedAt: now.toISOString(), version: tenant.version + 1 }, tenant.version);
        return plan;
      } catch (error) {
        if (!(error instanceof PreconditionFailedError) || attempt >= 1) throw error;
      }
    }
  }

  /** Each step of a certificate's life in the activity log: added, unpublished (grace period), published again, removed. */
  private async recordCertificateChanges(tenantId: TenantId, plan: CertificatePlan): Promise<void> {
    const describe = (certificates: string[]) => certificates.map((body) => describeCertificate(certificateInfo(body))).join(', ');
    if (plan.added.length > 0) {
      await this.record(tenantId, 'sso.certificate.added', `The IdP published ${plan.added.length === 1 ? 'a new signing certificate' : `${plan.added.length} new signing certificates`} (${describe(plan.added)}); it was added to the active configuration, the existing ones are kept.`);
    }
    for (const withdrawn of plan.withdrawn) {
      await this.record(
        tenantId,
        'sso.certificate.withdrawn',
        `The IdP no longer publishes the signing certificate ${describe([withdrawn.certificate])}. It stays trusted for a ${WITHDRAWN_CERTIFICATE_GRACE_DAYS}-day grace period, until ${withdrawn.trustedUntil.slice(0, 16).replace('T', ' ')} UTC; then it is removed and responses signed with it are refused.`,
        `certificate:${certificateInfo(withdrawn.certificate).sha256}`,
      );
    }
    if (plan.republished.length > 0) await this.record(tenantId, 'sso.certificate.republished', `The IdP publishes the signing certificate ${describe(plan.republished)} again; it stays trusted.`);
    for (const { certificate, why } of plan.removed) {
      const reason = why === 'expired' ? 'it has expired and the IdP no longer publishes it' : `the IdP stopped publishing it and its ${WITHDRAWN_CERTIFICATE_GRACE_DAYS}-day grace period is over`;
      await this.record(tenantId, 'sso.certificate.removed', `The signing certificate ${describe([certificate])} was removed: ${reason}. Responses signed with it are refused.`, `certificate:${certificateInfo(certificate).sha256}`);
    }
  }

  /** `sso.certificate.expiring` for each configured certificate within CERTIFICATE_WARNING_DAYS, at most once a day each. */
  private async warnExpiring(tenantId: TenantId, config: IdpConfig): Promise<number> {
    const now = this.deps.clock.now();
    const horizon = now.getTime() + CERTIFICATE_WARNING_DAYS * 86_400_000;
    const infos = config.signingCertificates.map(certificateInfo);
    let warnings = 0;
    for (const info of infos) {
      if (info.notAfter === undefined || info.notAfter.getTime() > horizon) continue;
      if (!(await this.once(`cert-expiry-warning:${tenantId}:${info.sha256}:${this.day()}`))) continue;
      const expired = info.notAfter.getTime() <= now.getTime();
      const successor = infos.some((other) => other !== info && other.notAfter !== undefined && other.notAfter.getTime() > horizon);
      const days = Math.max(0, Math.ceil((info.notAfter.getTime() - now.getTime()) / 86_400_000));
      await this.record(
        tenantId,
        'sso.certificate.expiring',
        `The IdP signing certificate ${describeCertificate(info)} ${expired ? 'has expired' : `expires in ${days} day(s)`}. ${successor ? 'A newer certificate is already configured.' : 'Rotate the certificate in the IdP and re-import its metadata before then, or sign-in will stop working.'}`,
        `certificate:${info.sha256}`,
      );
      warnings++;
    }
    return warnings;
  }

  /** True the first time `key` is claimed (for DAILY_KEY_TTL_SEC). */
  private async once(key: string): Promise<boolean> {
    const now = this.deps.clock.now();
    return this.deps.ephemeral.putIfAbsent(key, now.toISOString(), new Date(now.getTime() + DAILY_KEY_TTL_SEC * 1000));
  }

  private day(): string {
    return this.deps.clock.now().toISOString().slice(0, 10);
  }

  private async record(tenantId: TenantId, type: string, summary: string, target?: string): Promise<void> {
    await this.deps.activity.record({ tenantId, id: randomUUID(), at: this.deps.clock.now().toISOString(), category: 'admin', type, actor: ACTOR, ...(target ? { target } : {}), summary });
  }
}

function result(outcome: RefreshOutcome, extra: Partial<Omit<RefreshResult, 'outcome'>> = {}): RefreshResult {
  return { outcome, certificatesAdded: 0, certificatesRemoved: 0, certificatesWithdrawn: 0, expiryWarnings: 0, ...extra };
}

function endpointChanges(active: IdpConfig, parsed: IdpMetadata): string[] {
  const changes: string[] = [];
  const compare = (label: string, before: string | undefined, after: string | undefined) => {
    if ((before ?? '') !== (after ?? '')) changes.push(`${label}: "${before ?? 'none'}" is now "${after ?? 'none'}"`);
  };
  compare('entityID', active.entityId, parsed.entityId);
  compare('SSO URL (HTTP-Redirect)', active.ssoRedirectUrl, parsed.ssoRedirectUrl);
  compare('SSO URL (HTTP-POST)', active.ssoPostUrl, parsed.ssoPostUrl);
  return changes;
}

function certificateInfo(body: string): CertificateInfo {
  const der = Buffer.from(body, 'base64');
  let notAfter: Date | undefined;
  try {
    notAfter = new Date(new X509Certificate(der).validTo);
  } catch {
    notAfter = undefined;
  }
  return { body, sha256: sha256Hex(der), notAfter: notAfter && !Number.isNaN(notAfter.getTime()) ? notAfter : undefined };
}

const describeCertificate = (info: CertificateInfo): string => `SHA-256 ${info.sha256.slice(0, 16)}…${info.notAfter ? `, valid until ${info.notAfter.toISOString().slice(0, 10)}` : ''}`;
