import { asTenantId } from '../core/ids';
import { createScimToken, disableScim, enableScim, listScimTokens, revokeScimToken } from '../core/provisioning/scim-tokens';
import { tenantUrls } from '../core/tenancy/urls';
import { json } from '../http/responses';
import { route, type Route } from '../http/routes';
import type { AdminUseCases } from './use-cases';
import { jsonBody, ssoMetadataBody, ssoSettingsBody } from './schemas';

const tenantOf = (params: Readonly<Record<string, string>>) => asTenantId(params.tenantId!);
const JSON_BODY = { whenEmpty: 'a JSON body is required' };

/** `/operator/tenants/{tenantId}/sso…` and `…/scim…`: the same use cases the console calls. */
export function operatorSsoScimRoutes(useCases: AdminUseCases): Route[] {
  const { saml, tokens, apiBaseUrl } = useCases;
  const sso = '/operator/tenants/{tenantId}/sso';
  const scim = '/operator/tenants/{tenantId}/scim';

  return [
    route('GET', sso, async ({ params }) => json(200, await saml().status(tenantOf(params)))),
    route('PUT', `${sso}/metadata`, async ({ params, body }) => {
      const source = jsonBody(body, ssoMetadataBody, JSON_BODY);
      const draft = await saml().setMetadata(tenantOf(params), source.url !== undefined ? { url: source.url } : { xml: source.xml! });
      return json(200, { tenantId: params.tenantId, draft });
    }),
    route('POST', `${sso}/test`, async ({ params }) => json(200, { tenantId: params.tenantId, ...(await saml().startTest(tenantOf(params))) })),
    route('POST', `${sso}/activate`, async ({ params }) => json(200, { tenantId: params.tenantId, active: await saml().activate(tenantOf(params)) })),
    route('POST', `${sso}/rollback`, async ({ params }) => json(200, { tenantId: params.tenantId, active: await saml().rollback(tenantOf(params)) })),
    route('PATCH', `${sso}/settings`, async ({ params, body }) =>
      json(200, { tenantId: params.tenantId, settings: await saml().updateSettings(tenantOf(params), jsonBody(body, ssoSettingsBody, JSON_BODY)) }),
    ),
    route('POST', `${scim}/enable`, async ({ params }) => {
      const tenant = await enableScim(tokens, tenantOf(params));
      return json(200, { tenantId: tenant.id, enabled: tenant.scim.enabled, enabledAt: tenant.scim.enabledAt, baseUrl: tenantUrls(apiBaseUrl(), tenant.id).scimBaseUrl });
    }),
    route('POST', `${scim}/disable`, async ({ params }) => {
      const tenant = await disableScim(tokens, tenantOf(params));
      return json(200, { tenantId: tenant.id, enabled: tenant.scim.enabled });
    }),
    route('POST', `${scim}/tokens`, async ({ params }) => json(201, { tenantId: params.tenantId, ...(await createScimToken(tokens, tenantOf(params))) })),
    route('GET', `${scim}/tokens`, async ({ params }) => json(200, { tenantId: params.tenantId, tokens: await listScimTokens(tokens, tenantOf(params)) })),
    route('DELETE', `${scim}/tokens/{tokenId}`, async ({ params }) => {
      await revokeScimToken(tokens, tenantOf(params), params.tokenId!);
      return json(200, { tenantId: params.tenantId, tokenId: params.tokenId, revoked: true });
    }),
  ];
}
