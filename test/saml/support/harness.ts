import { randomUUID } from 'node:crypto';
import { inflateRawSync } from 'node:zlib';
import { createDynamoAdapters, type DynamoAdapters } from '../../../lambdas/adapters/dynamodb/index';
import { systemClock, type Clock } from '../../../lambdas/core/clock';
import type { TenantId } from '../../../lambdas/core/ids';
import { createTenant } from '../../../lambdas/core/tenancy/tenant-admin';
import type { Plan, Tenant } from '../../../lambdas/core/tenancy/tenant';
import type { HttpEvent, HttpResult } from '../../../lambdas/http/request';
import { Logger } from '../../../lambdas/http/logger';
import { idpMetadataSource } from '../../../lambdas/adapters/saml-metadata/index';
import { SamlConfiguration } from '../../../lambdas/core/sso/configuration';
import { createSamlHandler } from '../../../lambdas/saml/handler';
import { ensureSpCredential, type SpKeyring } from '../../../lambdas/saml/sp-credentials';
import { spUrls, type SpUrls } from '../../../lambdas/core/tenancy/urls';
import { createTestTable, type TestTable } from '../../support/dynamo';
import { httpEvent as sharedHttpEvent } from '../../support/http-event';
import { InMemorySecretStore } from '../../support/in-memory-secret-store';
import { SamlifyIdp } from './samlify-idp';

export const API = 'https://api.natoma.test';
export const SP_SECRET = 'natoma/sp-key';

let sharedKeyring: SpKeyring | undefined;

/** An event as API Gateway HTTP API (payload 2.0) delivers it, built by the twin's own code (test/support/http-event.ts). */
export function httpEvent(method: string, rawPath: string, options: { query?: Record<string, string>; form?: Record<string, string>; body?: string; cookies?: string[]; headers?: Record<string, string> } = {}): HttpEvent {
  return sharedHttpEvent(method, rawPath, options);
}

/** The session cookie's name in deployed mode (the harness's default): `__Host-` prefixed. */
export const SESSION = '__Host-natoma_session';

/** The session cookie value a response sets, if any (either mode). */
export function sessionCookieOf(result: HttpResult): string | undefined {
  const line = (result.cookies ?? []).find((c) => /^(__Host-)?natoma_session=/.test(c));
  const value = line?.split(';')[0]!.replace(/^(__Host-)?natoma_session=/, '');
  return value ? decodeURIComponent(value) : undefined;
}

/** The ID of the AuthnRequest inside an HTTP-Redirect location. */
export function authnRequestOf(location: string): { id: string; xml: string; url: URL } {
  const url = new URL(location);
  const xml = inflateRawSync(Buffer.from(url.searchParams.get('SAMLRequest')!, 'base64')).toString('utf8');
  return { id: /\sID="([^"]+)"/.exec(xml)![1]!, xml, url };
}

export interface SamlWorld {
  readonly table: TestTable;
  readonly store: DynamoAdapters;
  readonly secrets: InMemorySecretStore;
  readonly keyring: SpKeyring;
  readonly idp: SamlifyIdp;
  /**
   * The handler as one browser reaches it: the login binding cookie a response sets is sent back with
   * every later request that names no cookies of its own (a test that means another browser passes `cookies`).
   */
  readonly handle: (event: HttpEvent) => Promise<HttpResult>;
  /** The handler itself, with no cookie kept between requests. */
  readonly handleRaw: (event: HttpEvent) => Promise<HttpResult>;
  /** The `name=value` of the login binding cookie the last login start set. */
  bindingCookie(): string | undefined;
  readonly configuration: SamlConfiguration;
  readonly logs: string[];
  /** A tenant on `domain` whose SAML is active with `idp` (configured through the real use cases). */
  tenant(options?: { domain?: string; plan?: Plan; activate?: boolean; allowIdpInitiated?: boolean; jitProvisioning?: boolean }): Promise<Tenant & { urls: SpUrls }>;
  /** Starts an SP-initiated login by email and returns the AuthnRequest ID. */
  startLogin(email: string): Promise<string>;
  /** POSTs a SAMLResponse to the tenant's ACS. */
  postAcs(tenantId: TenantId | string, samlResponse: string): Promise<HttpResult>;
  drop(): Promise<void>;
}

export async function createSamlWorld(options: { clock?: Clock; runtimeMode?: 'local' | 'deployed'; keyring?: SpKeyring; tenantCacheMs?: number; stream?: boolean } = {}): Promise<SamlWorld> {
  const table = await createTestTable({ stream: options.stream });
  const clock = options.clock ?? systemClock;
  const store = createDynamoAdapters({ db: table.db, tableName: table.tableName, clock });
  const secrets = new InMemorySecretStore();
  if (options.keyring ?? sharedKeyring) await secrets.put(SP_SECRET, JSON.stringify(options.keyring ?? sharedKeyring));
  const keyring = await ensureSpCredential(secrets, SP_SECRET);
  if (!options.keyring) sharedKeyring = keyring;
  const idp = new SamlifyIdp();
  const logs: string[] = [];
  const logger = new Logger({ service: 'saml-test' }, 'debug', (line) => logs.push(line));
  const handleRaw = createSamlHandler({ ...store, secrets, spSecretName: SP_SECRET, clock, logger, publicBaseUrl: API, adminPublicUrl: 'https://admin.natoma.test', runtimeMode: options.runtimeMode ?? 'deployed', tenantCacheMs: options.tenantCacheMs });
  const configuration = new SamlConfiguration({ tenants: store.tenants, ephemeral: store.ephemeral, activity: store.activity, clock, apiBaseUrl: API, metadata: idpMetadataSource({ mode: 'deployed' }) });
  let binding: string | undefined;
  const handle = async (event: HttpEvent): Promise<HttpResult> => {
    if (binding && !event.cookies?.length) event = { ...event, cookies: [binding] };
    const result = await handleRaw(event);
    binding = (result.cookies ?? []).find((line) => /^(__Host-)?natoma_login=/.test(line))?.split(';')[0] ?? binding;
    return result;
  };

  const world: SamlWorld = {
    table,
    store,
    secrets,
    keyring,
    idp,
    handle,
    handleRaw,
    bindingCookie: () => binding,
    configuration,
    logs,
    async tenant(opts = {}) {
      const domain = opts.domain ?? `${randomUUID().slice(0, 8)}.example.com`;
      const created = await createTenant({ tenants: store.tenants, activity: store.activity, clock }, { name: `Acme ${domain}`, domains: [domain], plan: opts.plan ?? 'paid' });
      const draft = await configuration.setMetadata(created.id, { xml: idp.metadata() });
      if (opts.activate ?? true) {
        await configuration.recordTestOutcome(created.id, draft.configId, { status: 'passed', at: clock.now().toISOString(), attributes: {}, nameId: 'setup' });
        await configuration.activate(created.id);
      }
      if (opts.allowIdpInitiated !== undefined || opts.jitProvisioning !== undefined) {
        await configuration.updateSettings(created.id, { allowIdpInitiated: opts.allowIdpInitiated, jitProvisioning: opts.jitProvisioning });
      }
      const tenant = (await store.tenants.get(created.id))!;
      return { ...tenant, urls: spUrls(API, tenant.id) };
    },
    async startLogin(email) {
      const result = await handle(httpEvent('POST', '/signin', { form: { email } }));
      if (result.statusCode !== 302) throw new Error(`sign-in did not redirect: ${result.statusCode} ${result.body?.slice(0, 300)}`);
      return authnRequestOf(result.headers!.location!).id;
    },
    postAcs(tenantId, samlResponse) {
      return handle(httpEvent('POST', `/saml/${tenantId}/acs`, { form: { SAMLResponse: samlResponse } }));
    },
    drop: () => table.drop(),
  };
  return world;
}
