import { randomUUID } from 'node:crypto';
import { actingAs } from '../events/change-context';
import type { ActivityLog } from '../activity/events';
import type { Clock } from '../clock';
import { InvalidInputError, PreconditionFailedError } from '../errors';
import type { TenantId } from '../ids';
import type { EphemeralStore } from '../sessions/ports';
import { assertPlanAllows, planRefusal } from '../tenancy/plan';
import type { TenantRepository } from '../tenancy/ports';
import type { IdpConfig, SamlTestOutcome, SsoSettings, Tenant } from '../tenancy/tenant';
import { spUrls, type SpUrls } from '../tenancy/urls';
import { IdpMetadataError, MetadataFetchError, type IdpMetadata, type IdpMetadataSource } from './ports';
import { getTenant } from '../tenancy/tenant-admin';
import { changeSso, recordSsoActivity, recordTestOutcome } from './lifecycle';
import { issueTestTicket } from './test-tickets';

export interface SamlConfigurationDeps {
  readonly tenants: TenantRepository;
  readonly ephemeral: EphemeralStore;
  readonly activity: ActivityLog;
  readonly clock: Clock;
  /** Public base URL of the API, e.g. https://sso.example.com (the URLs admins copy are built from it). */
  readonly apiBaseUrl: string;
  /** Fetches (under the runtime mode's SSRF rules) and reads IdP metadata. */
  readonly metadata: IdpMetadataSource;
}

/** What `sso status` and the console's SSO page show. */
export interface SsoStatus extends SpUrls {
  readonly tenantId: TenantId;
  readonly draft?: IdpConfig;
  readonly test?: SamlTestOutcome;
  readonly active?: IdpConfig;
  readonly previous?: IdpConfig;
  readonly allowIdpInitiated: boolean;
  readonly jitProvisioning: boolean;
  readonly clockSkewSec: number;
  /** Whether Update would be accepted now, and if not, why (plain words). */
  readonly canActivate: boolean;
  readonly activateBlockedReason?: string;
}

export interface SsoSettingsUpdate {
  readonly allowIdpInitiated?: boolean;
  readonly jitProvisioning?: boolean;
  readonly clockSkewSec?: number;
}

/**
 * SAML configuration use cases of a tenant: import IdP metadata as a draft, test the draft with a
 * real login, activate exactly the tested draft, roll back one step. The admin JSON API and the
 * operator CLI call these; `actor` is recorded in the activity log (`operator`, `user:<id>`).
 */
export class SamlConfiguration {
  constructor(private readonly deps: SamlConfigurationDeps) {}

  urls(tenantId: TenantId): SpUrls {
    return spUrls(this.deps.apiBaseUrl, tenantId);
  }

  async status(tenantId: TenantId): Promise<SsoStatus> {
    const tenant = await this.tenant(tenantId);
    const { test, ...draft } = tenant.sso.draft ?? ({} as NonNullable<SsoSettings['draft']>);
    const blocked = activationRefusal(tenant);
    return {
      tenantId,
      ...this.urls(tenantId),
      draft: tenant.sso.draft ? (draft as IdpConfig) : undefined,
      test,
      active: tenant.sso.active,
      previous: tenant.sso.previous,
      allowIdpInitiated: tenant.sso.allowIdpInitiated,
      jitProvisioning: tenant.sso.jitProvisioning,
      clockSkewSec: tenant.sso.clockSkewSec,
      canActivate: blocked === undefined,
      activateBlockedReason: blocked,
    };
  }

  /** Imports IdP metadata (fetched from `url`, or pasted `xml`) as the new draft; any earlier test result is dropped. */
  async setMetadata(tenantId: TenantId, source: { url: string } | { xml: string }, actor = 'operator'): Promise<IdpConfig> {
    await this.tenant(tenantId);
    let xml: string;
    if ('url' in source) {
      try {
        xml = await this.deps.metadata.fetch(source.url.trim());
      } catch (error) {
        if (error instanceof MetadataFetchError) throw new InvalidInputError(`metadata URL: ${error.message}`);
        throw error;
      }
    } else {
      xml = source.xml;
    }
    let parsed: IdpMetadata;
    try {
      parsed = this.deps.metadata.parse(xml);
    } catch (error) {
      if (error instanceof IdpMetadataError) throw new InvalidInputError(`metadata: ${error.message}`);
      throw error;
    }
    const { certificateExpiries: _expiries, ...fields } = parsed;
    const draft: IdpConfig = { configId: randomUUID(), ...fields, ...('url' in source ? { metadataUrl: source.url.trim() } : {}), importedAt: this.now() };
    await this.update(tenantId, (sso) => ({ ...sso, draft }));
    await this.record(tenantId, 'sso.metadata.imported', actor, `IdP metadata imported as a draft: ${draft.entityId} (${draft.signingCertificates.length} signing certificate(s))`);
    return draft;
  }

  /** A single-use ticket for a Test SAML login against the current draft; the URL opens the real login round trip. */
  async startTest(tenantId: TenantId, actor = 'operator'): Promise<{ testUrl: string; configId: string; expiresAt: string }> {
    const tenant = await this.tenant(tenantId);
    const draft = tenant.sso.draft;
    if (!draft) throw new PreconditionFailedError('there is no draft SAML configuration to test: import the IdP metadata first');
    const { ticket, expiresAt } = await issueTestTicket(this.deps.ephemeral, this.deps.clock, { tenantId, configId: draft.configId, actor });
    return { testUrl: `${this.deps.apiBaseUrl.replace(/\/+$/, '')}/saml/${tenantId}/test?ticket=${ticket}`, configId: draft.configId, expiresAt: expiresAt.toISOString() };
  }

  /** Stores a Test SAML outcome on the draft, only if the draft is still the configuration that was tested. */
  recordTestOutcome(tenantId: TenantId, configId: string, outcome: SamlTestOutcome, actor = 'idp'): Promise<boolean> {
    return recordTestOutcome(this.deps, tenantId, configId, outcome, actor);
  }

  /** Update: activates the draft whose test passed (exactly that configuration); the active one becomes `previous`. */
  async activate(tenantId: TenantId, actor = 'operator'): Promise<IdpConfig> {
    let activated: IdpConfig | undefined;
    await actingAs({ actor }, () => this.update(tenantId, (sso, tenant) => {
      assertPlanAllows(tenant, 'activate-saml');
      const refusal = activationRefusal(tenant);
      if (refusal) throw new PreconditionFailedError(refusal);
      const { test: _test, ...config } = sso.draft!;
      activated = config;
      return { ...sso, active: config, previous: sso.active ?? sso.previous, draft: undefined };
    }));
    await this.record(tenantId, 'sso.activated', actor, `SAML configuration activated: ${activated!.entityId}`);
    return activated!;
  }

  /** Puts the previous configuration back (one step); the configuration it replaces is dropped. */
  async rollback(tenantId: TenantId, actor = 'operator'): Promise<IdpConfig> {
    let restored: IdpConfig | undefined;
    await actingAs({ actor }, () => this.update(tenantId, (sso) => {
      if (!sso.previous) throw new PreconditionFailedError('there is no previous SAML configuration to roll back to');
      restored = sso.previous;
      return { ...sso, active: sso.previous, previous: undefined };
    }));
    await this.record(tenantId, 'sso.rolled-back', actor, `SAML configuration rolled back to ${restored!.entityId} (imported ${restored!.importedAt})`);
    return restored!;
  }

  async updateSettings(tenantId: TenantId, update: SsoSettingsUpdate, actor = 'operator'): Promise<SsoSettings> {
    if (update.clockSkewSec !== undefined && (!Number.isInteger(update.clockSkewSec) || update.clockSkewSec < 0 || update.clockSkewSec > 600)) {
      throw new InvalidInputError('clockSkewSec: a whole number of seconds between 0 and 600');
    }
    let next: SsoSettings | undefined;
    await this.update(tenantId, (sso) => {
      next = {
        ...sso,
        ...(update.allowIdpInitiated !== undefined ? { allowIdpInitiated: update.allowIdpInitiated } : {}),
        ...(update.jitProvisioning !== undefined ? { jitProvisioning: update.jitProvisioning } : {}),
        ...(update.clockSkewSec !== undefined ? { clockSkewSec: update.clockSkewSec } : {}),
      };
      return next;
    });
    const changes = Object.entries(update).filter(([, v]) => v !== undefined).map(([k, v]) => `${k}=${v}`).join(', ');
    await this.record(tenantId, 'sso.settings.updated', actor, `SSO settings changed: ${changes || 'nothing'}`);
    return next!;
  }

  private tenant(tenantId: TenantId): Promise<Tenant> {
    return getTenant(this.deps.tenants, tenantId);
  }

  private update(tenantId: TenantId, change: (sso: SsoSettings, tenant: Tenant) => SsoSettings | undefined): Promise<void> {
    return changeSso(this.deps, tenantId, change);
  }

  private now(): string {
    return this.deps.clock.now().toISOString();
  }

  private record(tenantId: TenantId, type: string, actor: string, summary: string): Promise<void> {
    return recordSsoActivity(this.deps, tenantId, type, actor, summary);
  }
}

/** Why Update would be refused now (plain words), or undefined when it would be accepted. */
function activationRefusal(tenant: Tenant): string | undefined {
  const draft = tenant.sso.draft;
  if (!draft) return 'there is no draft SAML configuration: import the IdP metadata first';
  if (!draft.test) return 'the draft has not been tested: run Test SAML and let it pass before Update';
  if (draft.test.status !== 'passed') return 'the last Test SAML of this draft failed: fix the problems it listed and test again before Update';
  return planRefusal(tenant, 'activate-saml');
}
