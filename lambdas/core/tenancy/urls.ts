import type { TenantId } from '../ids';

/** The URLs an admin copies into Okta (docs/architecture.md): the SP metadata URL is also the SP Entity ID. */
export interface SpUrls {
  readonly spEntityId: string;
  readonly spMetadataUrl: string;
  readonly acsUrl: string;
  readonly signInUrl: string;
  readonly initiateLoginUrl: string;
}

export function spUrls(apiBaseUrl: string, tenantId: TenantId | string): SpUrls {
  const api = apiBaseUrl.replace(/\/+$/, '');
  const metadata = `${api}/saml/${tenantId}/metadata`;
  return {
    spEntityId: metadata,
    spMetadataUrl: metadata,
    acsUrl: `${api}/saml/${tenantId}/acs`,
    signInUrl: `${api}/signin`,
    initiateLoginUrl: `${api}/saml/${tenantId}/login`,
  };
}

/** Every URL of a tenant that an admin copies: the SP's, plus the SCIM base URL Okta provisions into. */
export interface TenantUrls extends SpUrls {
  readonly scimBaseUrl: string;
}

export function tenantUrls(apiBaseUrl: string, tenantId: TenantId | string): TenantUrls {
  return { ...spUrls(apiBaseUrl, tenantId), scimBaseUrl: `${apiBaseUrl.replace(/\/+$/, '')}/scim/v2/${tenantId}` };
}
