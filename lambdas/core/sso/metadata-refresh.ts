import { createHash, randomUUID, X509Certificate } from 'node:crypto';
import type { ActivityLog } from '../activity/events';
import type { Clock } from '../clock';
import { PreconditionFailedError } from '../errors';
import type { TenantId } from '../ids';
import type { EphemeralStore } from '../sessions/ports';
import type { TenantRepository } from '../tenancy/ports';
import type { IdpConfig, Tenant } from '../tenancy/tenant';
import { IdpMetadataError, MetadataFetchError, type IdpMetadata, type IdpMetadataSource } from './ports';

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
 * IdP publishes are added to the active configuration before the IdP starts signing with them; a
 * certificate is never removed while it works (one the metadata no longer lists stays until it
 * expires); a changed entityID or SSO URL is never applied silently (an admin re-imports and tests);
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
    if (applied && applied.added.length > 0) {
      await this.record(tenant.id, 'sso.certificate.added', `The IdP published ${applied.added.length === 1 ? 'a new signing certificate' : `${applied.added.length} new signing certificates`} (${applied.added.map(describeCertificate).join(', ')}); it was added to the active configuration, the existing ones are kept.`);
    }
    if (applied && applied.removed.length > 0) {
      await this.record(tenant.id, 'sso.certificate.removed', `Expired signing certificate(s) that the IdP no longer publishes were removed: ${applied.removed.map(describeCertificate).join(', ')}.`);
    }
    return result(applied && applied.added.length > 0 ? 'certificates-added' : 'unchanged', {
      certificatesAdded: applied?.added.length ?? 0,
      certificatesRemoved: applied?.removed.length ?? 0,
      expiryWarnings: await this.warnExpiring(tenant.id, config),
    });
  }

  /**
   * Adds the published certificates the active configuration lacks and drops those that are both
   * expired and no longer published (never the last one). Read-modify-write on the tenant version,
   * retried once on a concurrent change; undefined when nothing had to change or the active
   * configuration was replaced meanwhile.
   */
  private async applyCertificates(tenantId: TenantId, configId: string, published: string[]): Promise<{ config: IdpConfig; added: CertificateInfo[]; removed: CertificateInfo[] } | undefined> {
    for (let attempt = 0; ; attempt++) {
      const tenant = await this.deps.tenants.get(tenantId);
      const active = tenant?.sso.active;
      if (!tenant || !active || active.configId !== configId) return undefined;
      const now = this.deps.clock.now();
      const added = published.filter((body) => !active.signingCertificates.includes(body));
      const removed = active.signingCertificates.filter((body) => {
        if (published.includes(body)) return false;
        const notAfter = certificateInfo(body).notAfter;
        return notAfter !== undefined && notAfter.getTime() <= now.getTime();
      });
      const kept = active.signingCertificates.filter((body) => !removed.includes(body));
      const signingCertificates = [...(kept.length > 0 ? kept : active.signingCertificates), ...added];
      const actuallyRemoved = kept.length > 0 ? removed : [];
      if (added.length === 0 && actuallyRemoved.length === 0) return undefined;
      const config: IdpConfig = { ...active, signingCertificates };
      try {
        await this.deps.tenants.replace({ ...tenant, sso: { ...tenant.sso, active: config }, updatedAt: now.toISOString(), version: tenant.version + 1 }, tenant.version);
        return { config, added: added.map(certificateInfo), removed: actuallyRemoved.map(certificateInfo) };
      } catch (error) {
        if (!(error instanceof PreconditionFailedError) || attempt >= 1) throw error;
      }
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
  return { outcome, certificatesAdded: 0, certificatesRemoved: 0, expiryWarnings: 0, ...extra };
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

function sha256Hex(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex');
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
