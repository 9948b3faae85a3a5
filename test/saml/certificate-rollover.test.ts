import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { parseIdpMetadata } from '../../lambdas/adapters/saml-metadata/idp-metadata';
import { ssoPage } from '../../lambdas/admin/console/pages-sso';
import { ssoView } from '../../lambdas/admin/console/views';
import { systemClock } from '../../lambdas/core/clock';
import { WITHDRAWN_CERTIFICATE_GRACE_DAYS } from '../../lambdas/core/sso/certificate-trust';
import { IdpMetadataRefresh } from '../../lambdas/core/sso/metadata-refresh';
import { certificateBody } from '../../lambdas/saml/sp-credentials';
import { createSamlWorld, sessionCookieOf, type SamlWorld } from './support/harness';
import { generateOtherCredential, SamlifyIdp } from './support/samlify-idp';

const DAY_MS = 86_400_000;

/**
 * Time moves by faking Date only (node-saml reads the system time for NotBefore/NotOnOrAfter, so the whole
 * process must agree); timers and I/O stay real. Forward only: DynamoDB Local's TTL sweep is not disturbed.
 */
const clock = {
  now: (): Date => new Date(),
  advance: (ms: number): void => {
    vi.setSystemTime(new Date(Date.now() + ms));
  },
};

/**
 * Issue 11: certificate trust follows the IdP's metadata. The IdP adds a new certificate, then stops
 * publishing the old one: the old one is trusted for the grace period, then refused and removed, and each
 * step is in the activity log and on the console's SSO page.
 */
describe('IdP certificate rollover through metadata refresh', () => {
  let world: SamlWorld;
  let tenant: Awaited<ReturnType<SamlWorld['tenant']>>;
  let published: string;
  let refresh: IdpMetadataRefresh;
  const oldIdp = () => world.idp;
  const newIdp = new SamlifyIdp({ credential: generateOtherCredential() });

  beforeAll(async () => {
    vi.useFakeTimers({ toFake: ['Date'], shouldAdvanceTime: true });
    // No sign-in tenant cache: its entries age in real time, which this test does not move.
    world = await createSamlWorld({ tenantCacheMs: 0 });
    tenant = await world.tenant({ allowIdpInitiated: true });
    // The active configuration came from a metadata URL (refresh only follows those).
    const stored = (await world.store.tenants.get(tenant.id))!;
    await world.store.tenants.replace({ ...stored, sso: { ...stored.sso, active: { ...stored.sso.active!, metadataUrl: 'https://idp.example.test/metadata' } }, version: stored.version + 1 }, stored.version);
    published = oldIdp().metadata();
    refresh = new IdpMetadataRefresh({ tenants: world.store.tenants, ephemeral: world.store.ephemeral, activity: world.store.activity, clock: systemClock, metadata: { fetch: async () => published, parse: (xml) => parseIdpMetadata(xml) } });
  });
  afterAll(async () => {
    vi.useRealTimers();
    await world.drop();
  });

  const oldBody = () => certificateBody(oldIdp().credential.certificatePem);
  const newBody = certificateBody(newIdp.credential.certificatePem);
  /** The old metadata with its signing certificate replaced, or a second signing KeyDescriptor added. */
  const metadataWith = (which: 'both' | 'new') => {
    const xml = oldIdp().metadata();
    if (which === 'new') return xml.replaceAll(oldBody(), newBody);
    return xml.replace(/<(\w+:)?KeyDescriptor use="signing">[\s\S]*?<\/(\w+:)?KeyDescriptor>/, (descriptor) => descriptor + descriptor.replace(oldBody(), newBody));
  };
  const signIn = async (idp: SamlifyIdp) => {
    const email = `r${Math.random().toString(36).slice(2, 8)}@${tenant.domains[0]}`;
    const result = await world.postAcs(tenant.id, await idp.response({ acsUrl: tenant.urls.acsUrl, audience: tenant.urls.spEntityId, nameId: email, attributes: { email }, issueInstant: clock.now() }));
    return { status: result.statusCode, session: sessionCookieOf(result) !== undefined };
  };
  // The admin category of the activity log is a GSI (eventually consistent by design): the SSO page shows a change on the next load.
  const certificateEvents = async () => (await world.table.settle(), await world.store.activity.list(tenant.id, { limit: 50, category: 'admin' })).items.filter((e) => e.type.startsWith('sso.certificate.') && e.type !== 'sso.certificate.expiring').map((e) => e.type).reverse();
  const ssoPageHtml = async () => {
    const current = (await world.store.tenants.get(tenant.id))!;
    await world.table.settle();
    const changes = (await world.store.activity.list(tenant.id, { limit: 50, category: 'admin' })).items.filter((e) => e.type.startsWith('sso.certificate.')).map((e) => ({ at: e.at, summary: e.summary }));
    return ssoPage({ tenantId: tenant.id, tenantName: tenant.name, email: 'a@b.c', csrfToken: 'x' }, ssoView(current, { api: 'https://api.natoma.test', admin: 'https://admin.natoma.test' }, [], clock.now(), changes)).markup;
  };

  it('step 1: the IdP publishes a second certificate; it is added and both sign in', async () => {
    expect(metadataWith('both')).toContain(newBody);
    published = metadataWith('both');
    expect(await refresh.refresh((await world.store.tenants.get(tenant.id))!)).toMatchObject({ outcome: 'certificates-added', certificatesAdded: 1 });
    expect(await signIn(oldIdp())).toEqual({ status: 303, session: true });
    expect(await signIn(newIdp)).toEqual({ status: 303, session: true });
    expect(await certificateEvents()).toEqual(['sso.certificate.added']);
  });

  it(`step 2: the old certificate is withdrawn; it stays trusted for the ${WITHDRAWN_CERTIFICATE_GRACE_DAYS}-day grace period`, async () => {
    published = metadataWith('new');
    expect(await refresh.refresh((await world.store.tenants.get(tenant.id))!)).toMatchObject({ outcome: 'unchanged', certificatesWithdrawn: 1, certificatesRemoved: 0 });
    expect(await certificateEvents()).toEqual(['sso.certificate.added', 'sso.certificate.withdrawn']);
    clock.advance((WITHDRAWN_CERTIFICATE_GRACE_DAYS - 1) * DAY_MS);
    expect(await refresh.refresh((await world.store.tenants.get(tenant.id))!)).toMatchObject({ outcome: 'unchanged', certificatesWithdrawn: 0, certificatesRemoved: 0 });
    expect(await signIn(oldIdp())).toEqual({ status: 303, session: true });
    const page = await ssoPageHtml();
    expect(page).toContain('data-status="withdrawn"');
    expect(page).toContain('No longer published by the IdP: trusted until');
    expect(page).toContain('It stays trusted for a 7-day grace period');
  });

  it('step 3: after the grace period the old certificate is refused, even before a refresh, then removed', async () => {
    clock.advance(2 * DAY_MS);
    expect(await signIn(oldIdp())).toEqual({ status: 400, session: false });
    expect(await signIn(newIdp)).toEqual({ status: 303, session: true });
    expect(await refresh.refresh((await world.store.tenants.get(tenant.id))!)).toMatchObject({ certificatesRemoved: 1 });
    const active = (await world.store.tenants.get(tenant.id))!.sso.active!;
    expect(active.signingCertificates).toEqual([newBody]);
    expect(active.withdrawnCertificates).toBeUndefined();
    expect(await certificateEvents()).toEqual(['sso.certificate.added', 'sso.certificate.withdrawn', 'sso.certificate.removed']);
    expect(await signIn(oldIdp())).toEqual({ status: 400, session: false });
    const page = await ssoPageHtml();
    expect(page).not.toContain('data-status="withdrawn"');
    expect(page).toContain('grace period is over. Responses signed with it are refused.');
  });
});
