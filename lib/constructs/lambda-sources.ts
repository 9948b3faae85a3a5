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

/**
 * esbuild settings of every Lambda bundle, shared with the bundle smoke test and the bench.
 * ESM output, because handlers may use top-level await; @node-saml/node-saml, xml-crypto and
 * @xmldom are CommonJS, so the banner gives the bundle `require`, `__filename` and `__dirname`.
 * The nodejs22.x runtime ships AWS SDK v3: keeping it out of the bundle keeps cold starts short.
 */
export const lambdaBundling = {
  target: 'node22',
  mainFields: ['module', 'main'],
  banner:
    "import { createRequire as __cr } from 'node:module'; import { fileURLToPath as __fu } from 'node:url'; import { dirname as __dn } from 'node:path'; const require = __cr(import.meta.url); const __filename = __fu(import.meta.url); const __dirname = __dn(__filename);",
  externalModules: ['@aws-sdk/*'],
} as const;
