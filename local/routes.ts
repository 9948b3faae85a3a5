import type { RouteSpec } from './http-bridge';

export type ApiSurface = 'saml' | 'scim' | 'oidc' | 'dev-idp';

/**
 * The HTTP API's routes, as the CDK stack declares them (lib/constructs/saml-endpoints.ts,
 * scim-endpoints.ts and the OIDC routes of contract C3; test/local/routes.test.ts keeps them equal), plus the twin-only dev IdP.
 * A request no route matches gets API Gateway's own 404.
 */
export const apiRoutes: ReadonlyArray<RouteSpec & { readonly surface: ApiSurface }> = [
  { method: 'GET', path: '/health', surface: 'saml' },
  { method: 'GET', path: '/signin', surface: 'saml' },
  { method: 'POST', path: '/signin', surface: 'saml' },
  { method: 'GET', path: '/dashboard', surface: 'saml' },
  { method: 'GET', path: '/logout', surface: 'saml' },
  { method: 'POST', path: '/logout', surface: 'saml' },
  { method: 'GET', path: '/saml/{tenantId}/metadata', surface: 'saml' },
  { method: 'POST', path: '/saml/{tenantId}/acs', surface: 'saml' },
  { method: 'GET', path: '/saml/{tenantId}/login', surface: 'saml' },
  { method: 'GET', path: '/saml/{tenantId}/test', surface: 'saml' },
  { method: 'ANY', path: '/scim/v2/{tenantId}', surface: 'scim' },
  { method: 'ANY', path: '/scim/v2/{tenantId}/{proxy+}', surface: 'scim' },
  { method: 'GET', path: '/.well-known/openid-configuration', surface: 'oidc' },
  { method: 'ANY', path: '/oidc/{proxy+}', surface: 'oidc' },
  { method: 'ANY', path: '/_dev-idp', surface: 'dev-idp' },
  { method: 'ANY', path: '/_dev-idp/{proxy+}', surface: 'dev-idp' },
];
