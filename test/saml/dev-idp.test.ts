import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDynamoAdapters } from '../../lambdas/adapters/dynamodb/index';
import { systemClock } from '../../lambdas/core/clock';
import { createTenant } from '../../lambdas/core/tenancy/tenant-admin';
import { SamlConfiguration } from '../../lambdas/saml/configuration';
import { Logger } from '../../lambdas/http/logger';
import { createSamlHandler } from '../../lambdas/saml/handler';
import { ensureSpCredential } from '../../lambdas/saml/sp-credentials';
import { createDevIdp, type DevIdp } from '../../local/dev-idp';
import { createTestTable, type TestTable } from '../support/dynamo';
import { InMemorySecretStore } from '../support/in-memory-secret-store';
import { httpEvent, sessionCookieOf } from './support/harness';

describe('development IdP mounted beside the SAML handler', () => {
  let server: Server;
  let base: string;
  let table: TestTable;
  let dataDir: string;
  let devIdp: DevIdp;
  let configuration: SamlConfiguration;
  let store: ReturnType<typeof createDynamoAdapters>;

  beforeAll(async () => {
    table = await createTestTable();
    dataDir = await mkdtemp(join(tmpdir(), 'dev-idp-'));
    store = createDynamoAdapters({ db: table.db, tableName: table.tableName });
    const secrets = new InMemorySecretStore();
    await ensureSpCredential(secrets, 'sp');
    server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    devIdp = await createDevIdp({ baseUrl: `${base}/_dev-idp`, dataDir });
    const handle = createSamlHandler({ ...store, secrets, spSecretName: 'sp', publicBaseUrl: base, runtimeMode: 'local', logger: new Logger({}, 'error', () => undefined) });
    configuration = new SamlConfiguration({ tenants: store.tenants, ephemeral: store.ephemeral, activity: store.activity, clock: systemClock, apiBaseUrl: base, runtimeMode: 'local' });
    server.on('request', async (req, res) => {
      const url = new URL(req.url!, base);
      if (url.pathname.startsWith('/_dev-idp')) return devIdp.handle(req, res, url.pathname.slice('/_dev-idp'.length) || '/');
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      const event = httpEvent(req.method!, url.pathname, { query: Object.fromEntries(url.searchParams), body: chunks.length ? Buffer.concat(chunks).toString() : undefined, cookies: req.headers.cookie?.split('; ') });
      const result = await handle(event);
      res.writeHead(result.statusCode, { ...result.headers, ...(result.cookies ? { 'set-cookie': result.cookies } : {}) });
      res.end(result.body);
    });
  });
  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
    await table.drop();
    await rm(dataDir, { recursive: true, force: true });
  });

  const hidden = (html: string, name: string) => new RegExp(`name="${name}" value="([^"]*)"`).exec(html)?.[1]?.replace(/&amp;/g, '&').replace(/&quot;/g, '"');

  it('keeps its key owner-only under the data directory and serves metadata', async () => {
    expect((await stat(join(dataDir, 'dev-idp', 'idp-key.json'))).mode & 0o077).toBe(0);
    const metadata = await (await fetch(devIdp.metadataUrl)).text();
    expect(metadata).toContain(`entityID="${devIdp.entityId}"`);
  });

  it('runs metadata URL import, Test SAML, Update, SP- and IdP-initiated sign-in over HTTP', async () => {
    const tenant = await createTenant({ tenants: store.tenants, activity: store.activity, clock: systemClock }, { name: 'Dev Co', domains: ['dev-co.example.com'], plan: 'paid' });
    await configuration.setMetadata(tenant.id, { url: devIdp.metadataUrl });

    const signInAtIdp = async (start: Response, email: string) => {
      const idpPage = await (await fetch(start.headers.get('location')!)).text();
      const token = hidden(idpPage, 'token')!;
      const posted = await fetch(`${base}/_dev-idp/sso/continue`, { method: 'POST', body: new URLSearchParams({ token, email, firstName: 'Dana', lastName: 'Dev' }) });
      const autoPost = await posted.text();
      return fetch(`${base}/saml/${tenant.id}/acs`, { method: 'POST', body: new URLSearchParams({ SAMLResponse: hidden(autoPost, 'SAMLResponse')! }), redirect: 'manual' });
    };

    const { testUrl } = await configuration.startTest(tenant.id);
    const test = await signInAtIdp(await fetch(testUrl, { redirect: 'manual' }), 'dana@dev-co.example.com');
    expect(test.status).toBe(200);
    expect(await test.text()).toContain('Test SAML passed');
    await configuration.activate(tenant.id);

    const sp = await signInAtIdp(await fetch(`${base}/signin?email=dana@dev-co.example.com`, { redirect: 'manual' }), 'dana@dev-co.example.com');
    expect(sp.status).toBe(303);
    expect(sp.headers.get('set-cookie')).not.toContain('Secure');

    const tilePage = await (await fetch(`${base}/_dev-idp/tile?tenant=${tenant.id}`)).text();
    const tile = await fetch(`${base}/_dev-idp/sso/continue`, { method: 'POST', body: new URLSearchParams({ token: hidden(tilePage, 'token')!, email: 'eve@dev-co.example.com', firstName: 'Eve', lastName: 'Tile' }) });
    const acs = await fetch(`${base}/saml/${tenant.id}/acs`, { method: 'POST', body: new URLSearchParams({ SAMLResponse: hidden(await tile.text(), 'SAMLResponse')! }), redirect: 'manual' });
    expect(acs.status).toBe(303);
    const cookie = acs.headers.get('set-cookie')!.split(';')[0]!;
    const dashboard = await fetch(`${base}/dashboard`, { headers: { cookie } });
    expect(await dashboard.text()).toContain('Eve Tile');
    expect(sessionCookieOf({ statusCode: 303, cookies: [acs.headers.get('set-cookie')!] })).toBeDefined();
  });
});
