import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createDocumentClient } from '../../lambdas/adapters/dynamodb/client';
import { createDynamoAdapters } from '../../lambdas/adapters/dynamodb/index';
import { Logger } from '../../lambdas/http/logger';
import type { HttpEvent, HttpResult } from '../../lambdas/http/request';
import { createSamlHandler } from '../../lambdas/saml/handler';
import { createScimHandler } from '../../lambdas/scim/handler';
import { createDevIdp, type DevIdp } from '../../local/dev-idp';
import { FileSecretStore } from '../../local/file-secret-store';
import { matchRoute, rawRequestOf, toHttpEvent, writeHttpResult } from '../../local/http-bridge';
import { apiRoutes } from '../../local/routes';
import type { RunningTwin } from '../../local/twin';

/**
 * The API surfaces (SAML, SCIM, dev IdP) served through the twin's own HTTP bridge, for a twin build
 * that does not serve them yet: started first (its URL becomes the twin's `publicUrl`), then bound to
 * the twin's table and secrets. The handlers are the same factories the Lambdas export.
 */
export interface ApiSurfaces {
  readonly url: string;
  bind(twin: RunningTwin): Promise<void>;
  stop(): Promise<void>;
}

export async function startApiSurfaces(): Promise<ApiSurfaces> {
  let bound: { idp: DevIdp; saml: (e: HttpEvent) => Promise<HttpResult>; scim: (e: HttpEvent) => Promise<HttpResult> } | undefined;
  const server: Server = createServer((req, res) => {
    void (async () => {
      const path = (req.url ?? '/').split('?')[0]!;
      if (!bound) return writeHttpResult(res, { statusCode: 503, body: 'starting' });
      if (path === '/_dev-idp' || path.startsWith('/_dev-idp/')) return bound.idp.handle(req, res, path.slice('/_dev-idp'.length) || '/');
      const raw = await rawRequestOf(req, 10 * 1024 * 1024);
      const route = matchRoute(apiRoutes, (req.method ?? 'GET').toUpperCase(), path);
      if (!route) return writeHttpResult(res, { statusCode: 404, body: 'Not Found' });
      const surface = apiRoutes.find((r) => `${r.method} ${r.path}` === route.routeKey)!.surface;
      const event = toHttpEvent(raw, { route, localPort: (server.address() as AddressInfo).port });
      writeHttpResult(res, await (surface === 'scim' ? bound.scim(event) : bound.saml(event)));
    })().catch(() => writeHttpResult(res, { statusCode: 500, body: 'Internal Server Error' }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    bind: async (twin) => {
      const adapters = createDynamoAdapters({ db: createDocumentClient({ endpoint: twin.dynamoEndpoint }), tableName: twin.tableName });
      const secrets = new FileSecretStore(twin.dataDir);
      const logger = new Logger({}, 'error', () => {});
      bound = {
        idp: await createDevIdp({ baseUrl: `${url}/_dev-idp` }),
        saml: createSamlHandler({ ...adapters, secrets, spSecretName: twin.spKeySecretName, publicBaseUrl: url, adminPublicUrl: twin.adminUrl, runtimeMode: 'local', logger }),
        scim: createScimHandler({ ...adapters, secrets, secretPrefix: twin.scimTokenSecretPrefix, publicBaseUrl: url, logger }),
      };
    },
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
