import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createDynamoAdapters, type DynamoAdapters } from '../../lambdas/adapters/dynamodb';
import type { Tenant } from '../../lambdas/core/tenancy/tenant';
import { Logger } from '../../lambdas/http/logger';
import { parseIdpMetadata } from '../../lambdas/adapters/saml-metadata/idp-metadata';
import { IdpMetadataRefresh } from '../../lambdas/core/sso/metadata-refresh';
import { runMaintenance, type MaintenanceDeps } from '../../lambdas/maintenance/run';
import { certificateBody, generateSpCredential } from '../../lambdas/saml/sp-credentials';
import { aTenant } from '../adapters/dynamodb/fixtures';
import { createTestTable, type TestTable } from '../support/dynamo';

const METADATA_URL = 'https://acme.okta.test/app/exk1/sso/saml/metadata';
const SSO_URL = 'https://acme.okta.test/app/acme/exk1/sso/saml';
const working = certificateBody(generateSpCredential('okta current', 365, new Date(), 2048).certificatePem);
const next = certificateBody(generateSpCredential('okta next', 400, new Date(), 2048).certificatePem);

const metadata = (certificates: string[]) =>
  `<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" xmlns:ds="http://www.w3.org/2000/09/xmldsig#" entityID="http://www.okta.com/exk1"><md:IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">${certificates
    .map((cert) => `<md:KeyDescriptor use="signing"><ds:KeyInfo><ds:X509Data><ds:X509Certificate>${cert}</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>`)
    .join('')}<md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="${SSO_URL}"/></md:IDPSSODescriptor></md:EntityDescriptor>`;

let table: TestTable;
let store: DynamoAdapters;
let now: Date;

// The run walks every tenant of the table: each test gets its own.
beforeEach(async () => {
  table = await createTestTable();
  now = new Date();
  store = createDynamoAdapters({ db: table.db, tableName: table.tableName, clock: { now: () => now } });
});
afterEach(async () => table.drop());

async function tenantWithActiveSso(): Promise<Tenant> {
  const tenant = aTenant({ plan: 'paid' });
  const active = { configId: 'cfg-1', entityId: 'http://www.okta.com/exk1', ssoRedirectUrl: SSO_URL, signingCertificates: [working], wantAuthnRequestsSigned: false, metadataUrl: METADATA_URL, importedAt: '2025-01-01T00:00:00.000Z' };
  const withSso: Tenant = { ...tenant, sso: { ...tenant.sso, active } };
  await store.tenants.create(withSso);
  return withSso;
}

function deps(fetched: string[], lines: Array<Record<string, unknown>> = []): MaintenanceDeps {
  const refresh = new IdpMetadataRefresh({
    tenants: store.tenants,
    ephemeral: store.ephemeral,
    activity: store.activity,
    clock: { now: () => now },
    metadata: { parse: parseIdpMetadata, fetch: async (url) => (fetched.push(url), metadata([working, next])) },
  });
  return {
    purgePendingGroupMemberships: (maxItems) => store.purgePendingGroupMemberships(maxItems),
    logger: new Logger({ service: 'maintenance' }, 'info', (line) => lines.push(JSON.parse(line) as Record<string, unknown>)),
    metadataRefresh: { listTenants: (page) => store.tenants.list(page), refreshIfDue: (tenant) => refresh.refreshIfDue(tenant) },
  };
}

describe('runMaintenance: IdP metadata refresh', { timeout: 60_000 }, () => {
  it('refreshes each tenant with active SSO once per period', async () => {
    // Prepare: three tenants with active SSO, one without.
    const tenants = [await tenantWithActiveSso(), await tenantWithActiveSso(), await tenantWithActiveSso()];
    await store.tenants.create(aTenant());
    // The run lists tenants through a GSI (eventually consistent by design): the schedule comes back
    // every 5 minutes, so a tenant created a moment before a run is refreshed by the next one.
    await table.settle();
    const fetched: string[] = [];
    const lines: Array<Record<string, unknown>> = [];

    // Act
    const first = await runMaintenance(deps(fetched, lines), { remainingMs: () => 60_000 });
    const second = await runMaintenance(deps(fetched), { remainingMs: () => 60_000 });

    // Assess
    expect(first.metadata).toEqual({ tenantsSeen: 4, refreshed: 3, certificatesAdded: 3, changed: 0, failed: 0, expiryWarnings: 0, stoppedBy: 'done' });
    expect(second.metadata).toMatchObject({ tenantsSeen: 4, refreshed: 0, certificatesAdded: 0, stoppedBy: 'done' });
    expect(fetched).toHaveLength(3);
    for (const tenant of tenants) expect((await store.tenants.get(tenant.id))!.sso.active!.signingCertificates).toEqual([working, next]);
    expect(lines.map((line) => line.message)).toEqual(['membership purge run', 'idp metadata refresh run']);

    // After the period the tenants are due again.
    now = new Date(now.getTime() + 6 * 3600 * 1000 + 1000);
    const later = await runMaintenance(deps(fetched), { remainingMs: () => 60_000 });
    expect(later.metadata).toMatchObject({ refreshed: 3, certificatesAdded: 0 });
    expect(fetched).toHaveLength(6);
  });

  it('starts no refresh when the time budget is spent', async () => {
    await tenantWithActiveSso();
    const fetched: string[] = [];
    const report = await runMaintenance(deps(fetched), { remainingMs: () => 1_000 });
    expect(report.metadata).toMatchObject({ tenantsSeen: 0, refreshed: 0, stoppedBy: 'time' });
    expect(fetched).toEqual([]);
  });
});
