import { execFile } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';
import { lambdaBundling, lambdaEntry, lambdaSources } from '../../lib/constructs/app-function';
import { httpEvent } from '../support/http-event';

const run = promisify(execFile);
const outDir = new URL('../../test-results/bundles/', import.meta.url);

/** Bundles an entry exactly as AppFunction does (ESM, banner, externals) and loads it in a plain Node process. */
async function bundleAndLoad(name: keyof typeof lambdaSources, script: string): Promise<string> {
  const outfile = new URL(`${name}/index.mjs`, outDir);
  mkdirSync(new URL('.', outfile), { recursive: true });
  await build({
    entryPoints: [lambdaEntry(lambdaSources[name])],
    outfile: outfile.pathname,
    bundle: true,
    platform: 'node',
    format: 'esm',
    minify: true,
    sourcemap: true,
    target: lambdaBundling.target,
    mainFields: [...lambdaBundling.mainFields],
    banner: { js: lambdaBundling.banner },
    external: [...lambdaBundling.externalModules],
    logLevel: 'silent',
  });
  const { stdout } = await run(
    process.execPath,
    ['--no-warnings', '--enable-source-maps', '--input-type=module', '-e', `const m = await import(${JSON.stringify(pathToFileURL(outfile.pathname).href)});\n${script}`],
    {
      env: {
        PATH: process.env.PATH,
        AWS_REGION: 'eu-west-1',
        AWS_ACCESS_KEY_ID: 'test',
        AWS_SECRET_ACCESS_KEY: 'test',
        TABLE_NAME: 'natoma-sso-test',
        SP_KEY_SECRET_NAME: 'natoma-sso/test/sp-credential',
        SCIM_TOKEN_SECRET_PREFIX: 'natoma-sso/test/scim-tokens/',
        PUBLIC_BASE_URL: 'https://api.example.com',
        OIDC_SIGNING_KEY_SECRET: 'natoma-sso/test/oidc-signing-key',
        EVENT_BUS_NAME: 'natoma-sso-test-directory',
        RUNTIME_MODE: 'deployed',
      },
      timeout: 60_000,
    },
  );
  return stdout.trim();
}

// The CommonJS SAML/XML libraries inside an ESM bundle are where a bundle breaks at cold start, not at build.
describe('Lambda bundles (esbuild ESM, as deployed)', () => {
  it.each(Object.keys(lambdaSources) as Array<keyof typeof lambdaSources>)('loads the %s bundle and finds its handler', async (name) => {
    const out = await bundleAndLoad(name, 'console.log(typeof m.handler);');
    expect(out).toBe('function');
  }, 120_000);

  it('answers GET /health from the bundled SAML handler', async () => {
    const event = httpEvent('GET', '/health', { host: 'api.example.com', routeKey: 'GET /health' });
    const out = await bundleAndLoad('saml', `const r = await m.handler(${JSON.stringify(event)}, {}); console.log(JSON.stringify(r));`);
    const result = JSON.parse(out.split('\n').pop()!) as { statusCode: number; body: string };
    expect(result.statusCode).toBe(200);
    expect(JSON.parse(result.body)).toMatchObject({ status: 'ok' });
  }, 120_000);
});
