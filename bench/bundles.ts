import { build } from 'esbuild';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { consoleAssetDefines } from '../lambdas/admin/console/browser/build';

export interface BundleFigures {
  readonly surface: string;
  readonly minifiedKb: number;
  readonly coldRequireMs: number;
  /** Packages found in the bundle that the surface must not carry (XML/SAML in SCIM). */
  readonly forbiddenPackages: string[];
}

const SURFACES = ['saml', 'scim', 'admin'] as const;
const XML_PACKAGES = ['@node-saml', 'xml-crypto', '@xmldom', 'xml2js', 'xml-encryption', 'xmlbuilder', 'samlify'];

/** Bundles each Lambda the way the CDK stack does (esbuild, minified, node22) and measures size and cold load. */
export async function benchBundles(): Promise<BundleFigures[]> {
  const outDir = mkdtempSync(join(tmpdir(), 'natoma-bundles-'));
  try {
    const figures: BundleFigures[] = [];
    for (const surface of SURFACES) {
      const outfile = join(outDir, `${surface}.cjs`);
      const result = await build({
        entryPoints: [`lambdas/${surface}/handler.ts`],
        bundle: true,
        minify: true,
        platform: 'node',
        target: 'node22',
        format: 'cjs',
        outfile,
        metafile: true,
        logLevel: 'silent',
        // The nodejs22.x runtime provides AWS SDK v3; the stack leaves it out of the bundle too.
        external: ['@aws-sdk/*'],
        // As the stack bundles it: the admin Lambda carries the console's compiled script and stylesheet.
        ...(surface === 'admin' ? { define: consoleAssetDefines() } : {}),
      });
      const inputs = Object.keys(result.metafile.inputs);
      const forbiddenPackages = surface === 'scim' ? XML_PACKAGES.filter((pkg) => inputs.some((input) => input.includes(`node_modules/${pkg}`))) : [];
      figures.push({
        surface,
        minifiedKb: Math.round(statSync(outfile).size / 102.4) / 10,
        coldRequireMs: coldRequire(outfile, outDir),
        forbiddenPackages,
      });
    }
    return figures;
  } finally {
    rmSync(outDir, { recursive: true, force: true });
  }
}

/** Median over fresh processes of the time to require the bundle (module evaluation at cold start). */
function coldRequire(bundle: string, dir: string, runs = 5): number {
  const probe = join(dir, 'probe.cjs');
  writeFileSync(
    probe,
    `const { performance } = require('node:perf_hooks'); const t = performance.now(); require(${JSON.stringify(bundle)}); process.stdout.write(String(performance.now() - t));`,
  );
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    // Env a deployed Lambda would have, so that cold-start env validation passes.
    const run = spawnSync(process.execPath, [probe], {
      encoding: 'utf8',
      env: {
        ...process.env,
        // Stands in for the runtime's own SDK, which the bundle leaves out.
        NODE_PATH: join(process.cwd(), 'node_modules'),
        TABLE_NAME: 'bench',
        SP_KEY_SECRET_NAME: 'bench',
        SCIM_TOKEN_SECRET_PREFIX: 'bench/',
        RUNTIME_MODE: 'deployed',
        AWS_REGION: 'us-east-1',
        AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      },
    });
    const ms = Number.parseFloat(run.stdout);
    if (Number.isFinite(ms)) times.push(ms);
  }
  times.sort((a, b) => a - b);
  return times.length ? Math.round(times[Math.floor(times.length / 2)]! * 10) / 10 : Number.NaN;
}

