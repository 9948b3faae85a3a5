import type { ActivityLog } from '../core/activity/events';
import type { Clock } from '../core/clock';
import { asTenantId } from '../core/ids';
import { createScimToken, disableScim, enableScim, listScimTokens, revokeScimToken } from '../core/provisioning/scim-tokens';
import type { SecretStore } from '../core/secrets';
import type { EphemeralStore } from '../core/sessions/ports';
import type { ScimTokenRepository, TenantRepository } from '../core/tenancy/ports';
import { json } from '../http/responses';
import { idpMetadataSource } from '../adapters/saml-metadata/index';
import { SamlConfiguration } from '../core/sso/configuration';
import { AdminHttpError } from './errors';
import type { Route } from './router';
import { parseJsonBody, ssoMetadataBody, ssoSettingsBody } from './schemas';
import { tenantUrls } from './tenant-view';

export interface OperatorSsoScimDeps {
  readonly tenants: TenantRepository;
  readonly ephemeral: EphemeralStore;
  readonly activity: ActivityLog;
  readonly scimTokens: ScimTokenRepository;
  readonly secrets: SecretStore;
  readonly clock: Clock;
  readonly scimTokenSecretPrefix: string;
  /** The API's public base URL: Test SAML links and the SP/SCIM URLs are built from it. */
  readonly publicBaseUrl?: string;
  readonly runtimeMode: 'deployed' | 'local';
}

const tenantOf = (params: Record<string, string>) => asTenantId(params.tenantId!);

/** `/operator/tenants/{tenantId}/sso…` and `…/scim…`: the same use cases the console calls. */
export function operatorSsoScimRoutes(deps: OperatorSsoScimDeps): Route[] {
  const apiBaseUrl = () => {
    // The admin Lambda cannot derive the API's domain from its own requests.
    if (!deps.publicBaseUrl) throw new AdminHttpError(503, 'not_configured', 'PUBLIC_BASE_URL is not set on the admin Lambda: SSO and SCIM URLs cannot be built');
    return deps.publicBaseUrl;
  };
  const saml = () => new SamlConfiguration({ tenants: deps.tenants, ephemeral: deps.ephemeral, activity: deps.activity, clock: deps.clock, apiBaseUrl: apiBaseUrl(), metadata: idpMetadataSource({ mode: deps.runtimeMode }) });
  const tokens = { tenants: deps.tenants, scimTokens: deps.scimTokens, secrets: deps.secrets, activity: deps.activity, clock: deps.clock, secretPrefix: deps.scimTokenSecretPrefix };

  return [
    {
      method: 'GET',
      pattern: '/operator/tenants/{tenantId}/sso',
      handler: async ({ params }) => json(200, await saml().status(tenantOf(params))),
    },
    {
      method: 'PUT',
      pattern: '/operator/tenants/{tenantId}/sso/metadata',
      handler: async ({ event, params }) => {
        const body = parseJsonBody(event, ssoMetadataBody);
        const draft = await saml().setMetadata(tenantOf(params), body.url !== undefined ? { url: body.url } : { xml: body.xml! });
        return json(200, { tenantId: params.tenantId, draft });
      },
    },
    {
      method: 'POST',
      pattern: '/operator/tenants/{tenantId}/sso/test',
      handler: async ({ params }) => json(200, { tenantId: params.tenantId, ...(await saml().startTest(tenantOf(params))) }),
    },
    {
      method: 'POST',
      pattern: '/operator/tenants/{tenantId}/sso/activate',
      handler: async ({ params }) => json(200, { tenantId: params.tenantId, active: await saml().activate(tenantOf(params)) }),
    },
    {
      method: 'POST',
      pattern: '/operator/tenants/{tenantId}/sso/rollback',
      handler: async ({ params }) => json(200, { tenantId: params.tenantId, active: await saml().rollback(tenantOf(params)) }),
    },
    {
      method: 'PATCH',
      pattern: '/operator/tenants/{tenantId}/sso/settings',
      handler: async ({ event, params }) => json(200, { tenantId: params.tenantId, settings: await saml().updateSettings(tenantOf(params), parseJsonBody(event, ssoSettingsBody)) }),
    },
    {
      method: 'POST',
      pattern: '/operator/tenants/{tenantId}/scim/enable',
      handler: async ({ params }) => {
        const tenant = await enableScim(tokens, tenantOf(params));
        return json(200, { tenantId: tenant.id, enabled: tenant.scim.enabled, enabledAt: tenant.scim.enabledAt, baseUrl: tenantUrls(apiBaseUrl(), tenant.id).scimBaseUrl });
      },
    },
    {
      method: 'POST',
      pattern: '/operator/tenants/{tenantId}/scim/disable',
      handler: async ({ params }) => {
        const tenant = await disableScim(tokens, tenantOf(params));
        return json(200, { tenantId: tenant.id, enabled: tenant.scim.enabled });
      },
    },
    {
      method: 'POST',
      pattern: '/operator/tenants/{tenantId}/scim/tokens',
      handler: async ({ params }) => json(201, { tenantId: params.tenantId, ...(await createScimToken(tokens, tenantOf(params))) }),
    },
    {
      method: 'GET',
      pattern: '/operator/tenants/{tenantId}/scim/tokens',
      handler: async ({ params }) => json(200, { tenantId: params.tenantId, tokens: await listScimTokens(tokens, tenantOf(params)) }),
    },
    {
      method: 'DELETE',
      pattern: '/operator/tenants/{tenantId}/scim/tokens/{tokenId}',
      handler: async ({ params }) => {
        await revokeScimToken(tokens, tenantOf(params), params.tokenId!);
        return json(200, { tenantId: params.tenantId, tokenId: params.tokenId, revoked: true });
      },
    },
  ];
}
