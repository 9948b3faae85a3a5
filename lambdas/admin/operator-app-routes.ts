import { z } from 'zod/v3';
import type { Clock } from '../core/clock';
import { appView, createApp, deleteApp, getApp, rotateAppSecret, type AppClientRepository } from '../core/oidc/apps';
import { json } from '../http/responses';
import { route, type Route, type RouteRequest } from '../http/routes';
import { jsonBody } from './schemas';

export interface OperatorAppDeps {
  readonly apps: AppClientRepository;
  readonly clock: Clock;
  readonly runtimeMode: 'deployed' | 'local';
  /** The issuer (PUBLIC_BASE_URL); the request's domain when absent. */
  readonly publicBaseUrl?: string;
}

const uri = z.string().min(1).max(2000);
const createAppBody = z
  .object({
    name: z.string(),
    redirectUris: z.array(uri).min(1, 'at least one redirect URI is needed'),
    postLogoutRedirectUris: z.array(uri).optional(),
    backchannelLogoutUri: uri.optional(),
    initiateLoginUri: uri.optional(),
    clientId: z.string().optional(),
  })
  .strict();
const rotateBody = z.object({ graceHours: z.number().min(0).optional() }).strict();

/** `/operator/apps…`: the product's apps (OIDC clients), stack-wide. The secret is in the create and rotate answers only. */
export function operatorAppRoutes(deps: OperatorAppDeps): Route[] {
  const issuerOf = (request: RouteRequest) => (deps.publicBaseUrl ?? `https://${request.event.requestContext.domainName}`).replace(/\/+$/, '');
  return [
    route('POST', '/operator/apps', async (request) => {
      const { app, clientSecret } = await createApp(deps, jsonBody(request.body, createAppBody, { whenEmpty: 'a JSON body is required' }));
      return json(201, { clientId: app.clientId, clientSecret, issuer: issuerOf(request), app: appView(app) }, { location: `/operator/apps/${encodeURIComponent(app.clientId)}` });
    }),
    route('GET', '/operator/apps', async (request) => json(200, { issuer: issuerOf(request), apps: (await deps.apps.list()).map(appView) })),
    route('GET', '/operator/apps/{clientId}', async (request) => json(200, { issuer: issuerOf(request), app: appView(await getApp(deps.apps, request.params.clientId!)) })),
    route('POST', '/operator/apps/{clientId}/rotate-secret', async (request) => {
      const { graceHours } = jsonBody(request.body, rotateBody);
      const { app, clientSecret } = await rotateAppSecret(deps, request.params.clientId!, graceHours);
      return json(200, { clientId: app.clientId, clientSecret, issuer: issuerOf(request), previousSecretValidUntil: app.previousSecretValidUntil ?? null });
    }),
    route('DELETE', '/operator/apps/{clientId}', async (request) => {
      await deleteApp(deps.apps, request.params.clientId!);
      return json(200, { clientId: request.params.clientId, deleted: true });
    }),
  ];
}
