import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/support/global-setup.ts'],
    // Two cores: more workers only contend with DynamoDB Local and Chromium.
    maxWorkers: 2,
    testTimeout: 30_000,
    // The faithful run (npm run test:faithful) keeps its own report, so CI can print both.
    reporters: ['default', ['json', { outputFile: process.env.TWIN_FIDELITY === 'aws' ? 'test-results/vitest-faithful.json' : 'test-results/vitest.json' }]],
    hookTimeout: 60_000,
    // The SDK's Node 20 end-of-support notice is noise in test output; Lambdas run Node 22.
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
  },
});
