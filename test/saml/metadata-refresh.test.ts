import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDynamoAdapters, type DynamoAdapters } from '../../lambdas/adapters/dynamodb';
import type { ActivityEvent } from '../../lambdas/core/activity/events';
import type { Clock } from '../../lambdas/core/clock';
import type { TenantId } from '../../lambdas/core/ids';
import type { IdpConfig, Tenant } from '../../lambdas/core/tenancy/tenant';
import { parseIdpMetadata } from '../../lambdas/adapters/saml-metadata/idp-metadata';
import { idpMetadataSource } from '../../lambdas/adapters/saml-metadata/index';
import { IdpMetadataRefresh, metadataRefreshedKey } from '../../lambdas/core/sso/metadata-refresh';
import { MetadataFetchError } from '../../lambdas/core/sso/ports';
import { certificateBody, generateSpCredential } from '../../lambdas/saml/sp-credentials';
import { aTenant } from '../adapters/dynamodb/fixtures';
import { createTestTable, type TestTable } from '../support/dynamo';
import { idpCredential } from './support/samlify-idp';

const METADATA_URL = 'https://acme.okta.test/app/exk1/sso/saml/metadata';
const ENTITY_ID = 'http://www.okta.com/exk1';
const SSO_URL = 'https://acme.okta.test/app/acme/exk1/sso/saml';

/** IdP metadata as Okta publishes it, with the given signing certificates (base64 DER). */
function idpMetadataXml(options: { entityId?: string; ssoUrl?: string; certificates: string[] }): string {
  const keyDescriptors = options.certificates
    .map((cert) => `<md:KeyDescriptor use="signing"><ds:KeyInfo><ds:X509Data><ds:X509Certificate>${cert}</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>`)
    .join('');
  const sso = options.ssoUrl ?? SSO_URL;
  return `<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" xmlns:ds="http://www.w3.org/2000/09/xmldsig#" entityID="${options.entityId ?? ENTITY_ID}"><md:IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">${keyDescriptors}<md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" Location="${sso}"/><md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="${sso}"/></md:IDPSSODescriptor></md:EntityDescriptor>`;
}

const certificate = (name: string, validDays: number, now = new Date()) => certificateBody(generateSpCredential(name, validDays, now, 2048).certificatePem);

/** A clock the test moves; the adapters use it too, so ephemeral keys expire with it. */
class TestClock implements Clock {
  constructor(private current: Date) {}
  now(): Date {
    return new Date(this.current);
  }
  advance(ms: number): void {
    this.current = new Date(this.current.getTime() + ms);
  }
}

let table: TestTable;
let clock: TestClock;
let store: DynamoAdapters;
const working = certificateBody(idpCredential().certificatePem);

beforeAll(async () => {
  table = await createTestTable();
  clock = new TestClock(new Date());
  store = createDynamoAdapters({ db: table.db, tableName: table.tableName, clock });
});
afterAll(async () => table.drop());

/** A tenant with an active configuration imported from METADATA_URL. */
async function activeTenant(certificates: string[] = [working], overrides: Partial<IdpConfig> = {}): Promise<Tenant> {
  const active: IdpConfig = {
    configId: 'cfg-1',
    entityId: ENTITY_ID,
    ssoRedirectUrl: SSO_URL,
    ssoPostUrl: SSO_URL,
    signingCertificates: certificates,
    wantAuthnRequestsSigned: false,
    metadataUrl: METADATA_URL,
    importedAt: '2025-01-01T00:00:00.000Z',
    ...overrides,
  };
  const tenant = aTenant({ plan: 'paid' });
  const defined = Object.fromEntries(Object.entries(active).filter(([, value]) => value !== undefined)) as unknown as IdpConfig;
  const withSso: Tenant = { ...tenant, sso: { ...tenant.sso, active: defined } };
  await store.tenants.create(withSso);
  return withSso;
}

/** The use case with a fetch answering `xml` (or throwing it when it is an Error), counting calls. */
function refresher(answer: () => string | Error | Promise<string>) {
  const fetched: string[] = [];
  const refresh = new IdpMetadataRefresh({
    tenants: store.tenants,
    ephemeral: store.ephemeral,
    activity: store.activity,
    clock,
    metadata: {
      parse: parseIdpMetadata,
      fetch: async (url) => {
        fetched.push(url);
        const value = await answer();
        if (value instanceof Error) throw value;
        return value;
      },
    },
  });
  return { refresh, fetched };
}

async function events(tenantId: TenantId, type?: string): Promise<ActivityEvent[]> {
  const page = await store.activity.list(tenantId, { limit: 100 });
  return page.items.filter((event) => type === undefined || event.type === type);
}

describe('IdP metadata refresh', { timeout: 60_000 }, () => {
  it('adds a new signing certificate the IdP publishes and keeps the working one', async () => {
    // Prepare
    const tenant = await activeTenant();
    const next = certificate('okta next', 400);
    const { refresh } = refresher(() => idpMetadataXml({ certificates: [next] }));

    // Act
    const result = await refresh.refresh(tenant);

    // Assess
    expect(result).toMatchObject({ outcome: 'certificates-added', certificatesAdded: 1, certificatesRemoved: 0 });
    const stored = await store.tenants.get(tenant.id);
    expect(stored!.sso.active!.signingCertificates).toEqual([working, next]);
    expect(stored!.sso.active!.configId).toBe('cfg-1');
    expect(stored!.version).toBe(tenant.version + 1);
    const added = await events(tenant.id, 'sso.certificate.added');
    expect(added).toHaveLength(1);
    expect(added[0]).toMatchObject({ category: 'admin', actor: 'maintenance' });

    // A second refresh with the same metadata changes nothing.
    expect(await refresh.refresh((await store.tenants.get(tenant.id))!)).toMatchObject({ outcome: 'unchanged', certificatesAdded: 0 });
    expect((await store.tenants.get(tenant.id))!.version).toBe(tenant.version + 1);
  });

  it('drops only a certificate that has expired and is no longer published', async () => {
    // Prepare
    const expired = certificate('okta old', 1, new Date(Date.now() - 3 * 86_400_000));
    const tenant = await activeTenant([expired, working]);
    const { refresh } = refresher(() => idpMetadataXml({ certificates: [working] }));

    // Act
    const result = await refresh.refresh(tenant);

    // Assess
    expect(result).toMatchObject({ outcome: 'unchanged', certificatesRemoved: 1 });
    expect((await store.tenants.get(tenant.id))!.sso.active!.signingCertificates).toEqual([working]);
    expect(await events(tenant.id, 'sso.certificate.removed')).toHaveLength(1);
  });

  it('does not apply a changed entityID or SSO URL and records that an admin must re-import', async () => {
    // Prepare
    const tenant = await activeTenant();
    const next = certificate('okta next', 400);
    const { refresh } = refresher(() => idpMetadataXml({ entityId: 'http://www.okta.com/exk-other', certificates: [working, next] }));

    // Act
    const result = await refresh.refresh(tenant);
    await refresh.refresh(tenant);

    // Assess
    expect(result.outcome).toBe('changed');
    const stored = await store.tenants.get(tenant.id);
    expect(stored).toEqual(tenant);
    const changed = await events(tenant.id, 'sso.metadata.changed');
    expect(changed).toHaveLength(1);
    expect(changed[0]!.summary).toContain('http://www.okta.com/exk-other');
    expect(changed[0]!.summary).toMatch(/re-import the metadata and run Test SAML/);
    expect(await events(tenant.id, 'sso.certificate.added')).toHaveLength(0);
  });

  it('warns about a certificate expiring within 30 days once a day', async () => {
    // Prepare
    const expiring = certificate('okta expiring', 10);
    const tenant = await activeTenant([expiring]);
    const { refresh } = refresher(() => idpMetadataXml({ certificates: [expiring] }));

    // Act
    const first = await refresh.refresh(tenant);
    const sameDay = await refresh.refresh(tenant);

    // Assess
    expect(first).toMatchObject({ outcome: 'unchanged', expiryWarnings: 1 });
    expect(sameDay).toMatchObject({ outcome: 'unchanged', expiryWarnings: 0 });
    const warnings = await events(tenant.id, 'sso.certificate.expiring');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatchObject({ category: 'admin', target: expect.stringMatching(/^certificate:[0-9a-f]{64}$/) });
    expect(warnings[0]!.summary).toMatch(/expires in (9|10) day/);

    // The next day warns again; a certificate valid for a year is not warned about.
    clock.advance(86_400_000);
    expect(await refresh.refresh(tenant)).toMatchObject({ expiryWarnings: 1 });
    expect(await events(tenant.id, 'sso.certificate.expiring')).toHaveLength(2);
    const healthy = await activeTenant([working]);
    expect(await refresher(() => idpMetadataXml({ certificates: [working] })).refresh.refresh(healthy)).toMatchObject({ expiryWarnings: 0 });
  });

  it('records one failure when the metadata URL is unreachable and leaves the configuration untouched', async () => {
    // Prepare: a closed port on loopback, through the real SSRF-safe fetch (local mode allows loopback).
    const tenant = await activeTenant([working], { metadataUrl: 'http://127.0.0.1:1/metadata' });
    const refresh = new IdpMetadataRefresh({ tenants: store.tenants, ephemeral: store.ephemeral, activity: store.activity, clock, metadata: idpMetadataSource({ mode: 'local', timeoutMs: 2000 }) });

    // Act
    const first = await refresh.refresh(tenant);
    const again = await refresh.refresh(tenant);

    // Assess
    expect(first.outcome).toBe('failed');
    expect(first.reason).toMatch(/could not be fetched/);
    expect(again.outcome).toBe('failed');
    expect(await store.tenants.get(tenant.id)).toEqual(tenant);
    const failures = await events(tenant.id, 'sso.metadata.refresh-failed');
    expect(failures).toHaveLength(1);
    expect(failures[0]!.summary).toMatch(/could not be refreshed from http:\/\/127\.0\.0\.1:1\/metadata: the metadata URL could not be fetched/);
    expect(failures[0]!.summary).toContain('The current configuration stays in use');
  });

  it('treats metadata that does not parse as a failure, never throwing', async () => {
    const tenant = await activeTenant();
    const { refresh } = refresher(() => '<html>maintenance</html>');
    const result = await refresh.refresh(tenant);
    expect(result.outcome).toBe('failed');
    expect(await store.tenants.get(tenant.id)).toEqual(tenant);
    expect((await events(tenant.id, 'sso.metadata.refresh-failed'))[0]!.summary).toMatch(/not SAML 2.0 metadata/);
  });

  it('fetches once per refresh period: the marker stops a second fetch', async () => {
    // Prepare
    const tenant = await activeTenant();
    const { refresh, fetched } = refresher(() => idpMetadataXml({ certificates: [working] }));

    // Act
    const first = await refresh.refreshIfDue(tenant);
    const second = await refresh.refreshIfDue(tenant);

    // Assess
    expect(first.outcome).toBe('unchanged');
    expect(second.outcome).toBe('not-due');
    expect(fetched).toEqual([METADATA_URL]);
    expect(await store.ephemeral.get(metadataRefreshedKey(tenant.id))).toBeDefined();

    clock.advance(6 * 3600 * 1000 + 1000);
    expect((await refresh.refreshIfDue(tenant)).outcome).toBe('unchanged');
    expect(fetched).toHaveLength(2);
  });

  it('skips a tenant without an active configuration and checks only expiry for pasted metadata', async () => {
    const { refresh, fetched } = refresher(() => new MetadataFetchError('not expected'));
    const inactive = aTenant();
    await store.tenants.create(inactive);
    expect((await refresh.refreshIfDue(inactive)).outcome).toBe('no-active-config');
    const pasted = await activeTenant([working], { metadataUrl: undefined });
    expect((await refresh.refresh(pasted)).outcome).toBe('no-metadata-url');
    expect(fetched).toEqual([]);
  });
});
