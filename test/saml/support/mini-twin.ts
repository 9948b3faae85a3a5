import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDynamoAdapters, type DynamoAdapters } from '../../../lambdas/adapters/dynamodb/index';
import { systemClock } from '../../../lambdas/core/clock';
import { Logger } from '../../../lambdas/http/logger';
import { idpMetadataSource } from '../../../lambdas/adapters/saml-metadata/index';
import { SamlConfiguration } from '../../../lambdas/core/sso/configuration';
import { createSamlHandler } from '../../../lambdas/saml/handler';
import { ensureSpCredential } from '../../../lambdas/saml/sp-credentials';
import { createDevIdp, type DevIdp } from '../../../local/dev-idp';
import { createTestTable, type TestTable } from '../../support/dynamo';
import { InMemorySecretStore } from '../../support/in-memory-secret-store';
import { httpEvent } from './harness';

/** The SAML handler and the dev IdP behind one local HTTP server, as the twin mounts them (local mode). */
export interface MiniTwin {
  readonly base: string;
  readonly store: DynamoAdapters;
  readonly devIdp: DevIdp;
  readonly configuration: SamlConfiguration;
  readonly dataDir: string;
  stop(): Promise<void>;
}

export async function startMiniTwin(): Promise<MiniTwin> {
  const table: TestTable = await createTestTable();
  const dataDir = await mkdtemp(join(tmpdir(), 'saml-mini-twin-'));
  const store = createDynamoAdapters({ db: table.db, tableName: table.tableName });
  const secrets = new InMemorySecretStore();
  await ensureSpCredential(secrets, 'sp');
  const server: Server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const devIdp = await createDevIdp({ baseUrl: `${base}/_dev-idp`, dataDir });
  const handle = createSamlHandler({ ...store, secrets, spSecretName: 'sp', publicBaseUrl: base, runtimeMode: 'local', logger: new Logger({}, 'error', () => undefined) });
  const configuration = new SamlConfiguration({ tenants: store.tenants, ephemeral: store.ephemeral, activity: store.activity, clock: systemClock, apiBaseUrl: base, metadata: idpMetadataSource({ mode: 'local' }) });
  server.on('request', async (req, res) => {
    const url = new URL(req.url!, base);
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const cookies = req.headers.cookie?.split(/;\s*/);
    const event = httpEvent(req.method!, url.pathname, { query: url.search ? Object.fromEntries(url.searchParams) : undefined, body: chunks.length ? Buffer.concat(chunks).toString() : undefined, cookies });
    // The twin's HTTP→event bridge calls both surfaces the same way.
    const result = url.pathname === '/_dev-idp' || url.pathname.startsWith('/_dev-idp/') ? await devIdp.handleEvent(event) : await handle(event);
    res.writeHead(result.statusCode, { ...result.headers, ...(result.cookies ? { 'set-cookie': result.cookies } : {}) });
    res.end(result.body);
  });
  return {
    base,
    store,
    devIdp,
    configuration,
    dataDir,
    async stop() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      await table.drop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
