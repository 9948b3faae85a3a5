import { describe, expect, it } from 'vitest';
import { oidcRoutes } from '../../lib/constructs/oidc-endpoints';
import { samlRoutes } from '../../lib/constructs/saml-endpoints';
import { scimRoutePaths } from '../../lib/constructs/scim-endpoints';
import { apiRoutes } from '../../local/routes';

describe('the twin routes', () => {
  it('are exactly the routes the CDK stack gives API Gateway, plus the dev IdP', () => {
    const fromStack = [
      ...samlRoutes.flatMap((route) => route.methods.map((method) => `${method} ${route.path}`)),
      ...scimRoutePaths.map((path) => `ANY ${path}`),
      ...oidcRoutes.flatMap((route) => route.methods.map((method) => `${method} ${route.path}`)),
    ].sort();
    const inTwin = apiRoutes.filter((route) => route.surface !== 'dev-idp').map((route) => `${route.method} ${route.path}`).sort();
    expect(inTwin).toEqual(fromStack);
  });
});
