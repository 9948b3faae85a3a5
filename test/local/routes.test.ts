import { describe, expect, it } from 'vitest';
import { samlRoutes } from '../../lib/constructs/saml-endpoints';
import { scimRoutePaths } from '../../lib/constructs/scim-endpoints';
import { apiRoutes } from '../../local/routes';

describe('the twin routes', () => {
  it('are exactly the routes the CDK stack gives API Gateway, plus the dev IdP', () => {
    const fromStack = [
      ...samlRoutes.flatMap((route) => route.methods.map((method) => `${method} ${route.path}`)),
      ...scimRoutePaths.map((path) => `ANY ${path}`),
    ].sort();
    const inTwin = apiRoutes.filter((route) => route.surface !== 'dev-idp' && route.surface !== 'oidc').map((route) => `${route.method} ${route.path}`).sort();
    expect(inTwin).toEqual(fromStack);
  });

  // Contract C3 (issue 9): the CDK stack's OIDC routes are added in lib/ by the infra branch; compare with them there once merged.
  it('serve the OIDC surface on the routes of contract C3', () => {
    const oidc = apiRoutes.filter((route) => route.surface === 'oidc').map((route) => `${route.method} ${route.path}`).sort();
    expect(oidc).toEqual(['ANY /oidc/{proxy+}', 'GET /.well-known/openid-configuration']);
  });
});
