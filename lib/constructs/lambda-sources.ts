/**
 * Every Lambda entry under `lambdas/`, each exporting `handler`. Plain data without CDK imports, so
 * the bundle bench and tests can list the Lambdas without loading aws-cdk-lib.
 */
export const lambdaSources = {
  saml: 'saml/handler.ts',
  scim: 'scim/handler.ts',
  admin: 'admin/handler.ts',
  spKeyProvisioner: 'sp-key-provisioner/handler.ts',
  maintenance: 'maintenance/handler.ts',
  urlGuard: 'url-guard/handler.ts',
  oidc: 'oidc/handler.ts',
  oidcBackchannel: 'oidc/backchannel-handler.ts',
  oidcKeyProvisioner: 'oidc-key-provisioner/handler.ts',
  eventForwarder: 'events/handler.ts',
} as const;

export type LambdaName = keyof typeof lambdaSources;
