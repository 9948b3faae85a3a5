import { build } from 'esbuild';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { lambdaBundling } from '../lib/constructs/app-function';

/**
 * The OIDC library decision (docs/architecture.md, "OpenID Connect provider"): the oidc surface bundled as the
 * stack bundles it (esbuild, minified ESM, node22, AWS SDK external) beside a jose-only surface, what a
 * hand-written provider would at least carry (the same pipeline and storage, plus jose's JWT/JWK code).
 */
const JOSE_ONLY = `
export { httpPipeline } from './lambdas/http/pipeline';
export { createDynamoAdapters } from './lambdas/adapters/dynamodb/index';
export { SignJWT, jwtVerify, importJWK, exportJWK, generateKeyPair, calculateJwkThumbprint, createLocalJWKSet } from 'jose';
`;

export async function benchOidcBundles(): Promise<{ name: string; minifiedKb: number; coldImportMs: number }[]> {
  // Inside the repository, so that the ESM bundles resolve the AWS SDK they leave out from node_modules (NODE_PATH does not apply to ESM).
  const outDir = mkdtempSync(join(process.cwd(), '.bench-oidc-'));
  const joseEntry = join(process.cwd(), `.bench-jose-only-${process.pid}.ts`);
  writeFileSync(joseEntry, JOSE_ONLY);
  try {
    const entries = [
      { name: 'oidc (oidc-provider)', entry: 'lambdas/oidc/handler.ts' },
      { name: 'jose only', entry: joseEntry },
      { name: 'saml (for scale)', entry: 'lambdas/saml/handler.ts' },
    ];
    const figures = [];
    for (const [index, { name, entry }] of entries.entries()) {
      const outfile = join(outDir, `b${index}.mjs`);
      await build({ entryPoints: [entry], bundle: true, minify: true, platform: 'node', target: lambdaBundling.target, format: 'esm', mainFields: [...lambdaBundling.mainFields], banner: { js: lambdaBundling.banner }, external: [...lambdaBundling.externalModules], outfile, logLevel: 'silent' });
      figures.push({ name, minifiedKb: Math.round(statSync(outfile).size / 102.4) / 10, coldImportMs: coldImport(outfile, outDir) });
    }
    return figures;
  } finally {
    rmSync(joseEntry, { force: true });
    rmSync(outDir, { recursive: true, force: true });
  }
}

/** Median over fresh processes of the time to import the bundle (module evaluation at a cold start). */
function coldImport(bundle: string, dir: string, runs = 7): number {
  const probe = join(dir, 'probe.mjs');
  writeFileSync(probe, `const t = performance.now(); await import(${JSON.stringify(bundle)}); process.stdout.write(String(performance.now() - t));`);
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const run = spawnSync(process.execPath, [probe], { encoding: 'utf8', env: { ...process.env, NODE_PATH: join(process.cwd(), 'node_modules'), AWS_REGION: 'us-east-1' } });
    const ms = Number.parseFloat(run.stdout);
    if (Number.isFinite(ms)) times.push(ms);
  }
  times.sort((a, b) => a - b);
  return times.length ? Math.round(times[Math.floor(times.length / 2)]! * 10) / 10 : Number.NaN;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  console.log(JSON.stringify(await benchOidcBundles(), null, 2));
}
