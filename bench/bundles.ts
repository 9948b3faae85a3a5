import { build } from 'esbuild';
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { pathToFileURL } from 'node:url';
import { consoleAssetDefines } from '../lambdas/admin/console/browser/build';
import { lambdaBundling, lambdaSources, type LambdaName } from '../lib/constructs/lambda-sources';

export interface BundleFigures {
  /** The Lambda's key in `lambdaSources` (saml, scim, admin, oidc, eventForwarder, …). */
  readonly surface: LambdaName;
  readonly minifiedKb: number;
  readonly coldRequireMs: number;
  /** Packages found in the bundle that the Lambda must not carry (XML/SAML outside the SAML-facing ones). */
  readonly forbiddenPackages: string[];
}

const XML_PACKAGES = ['@node-saml', 'xml-crypto', '@xmldom', 'xml2js', 'xml-encryption', 'xmlbuilder', 'samlify'];
/** Lambdas that have no business with SAML XML: a package of XML_PACKAGES in them is a leak through a shared import. */
const XML_FREE: readonly LambdaName[] = ['scim', 'oidc', 'oidcBackchannel', 'eventForwarder', 'oidcKeyProvisioner'];

/**
 * Bundles every Lambda of `lambdaSources` the way the CDK stack does (esbuild ESM, minified, node22,
 * the stack's banner and externals) and measures size and cold load.
 */
export async function benchBundles(): Promise<BundleFigures[]> {
  // Inside the repository: an ESM bundle resolves its external @aws-sdk imports from node_modules up the tree (NODE_PATH is CommonJS only).
  mkdirSync('bench-results', { recursive: true });
  const outDir = mkdtempSync(join(process.cwd(), 'bench-results', 'bundles-'));
  try {
    const figures: BundleFigures[] = [];
    for (const [surface, entry] of Object.entries(lambdaSources) as Array<[LambdaName, string]>) {
      const outfile = join(outDir, `${surface}.mjs`);
      const result = await build({
        entryPoints: [`lambdas/${entry}`],
        bundle: true,
        minify: true,
        platform: 'node',
        format: 'esm',
        target: lambdaBundling.target,
        mainFields: [...lambdaBundling.mainFields],
        banner: { js: lambdaBundling.banner },
        outfile,
        metafile: true,
        logLevel: 'silent',
        // The nodejs22.x runtime provides AWS SDK v3; the stack leaves it out of the bundle too.
        external: [...lambdaBundling.externalModules],
        // As the stack bundles it: the admin Lambda carries the console's compiled script and stylesheet.
        ...(surface === 'admin' ? { define: consoleAssetDefines() } : {}),
      });
      const inputs = Object.keys(result.metafile.inputs);
      const forbiddenPackages = XML_FREE.includes(surface) ? XML_PACKAGES.filter((pkg) => inputs.some((input) => input.includes(`node_modules/${pkg}`))) : [];
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

/** Median over fresh processes of the time to import the bundle (module evaluation at cold start). */
function coldRequire(bundle: string, dir: string, runs = 5): number {
  const probe = join(dir, 'probe.mjs');
  writeFileSync(
    probe,
    `import { performance } from 'node:perf_hooks'; const t = performance.now(); await import(${JSON.stringify(pathToFileURL(bundle).href)}); process.stdout.write(String(performance.now() - t));`,
  );
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    // Env a deployed Lambda would have, so that cold-start env validation passes.
    const run = spawnSync(process.execPath, ['--no-warnings', probe], {
      encoding: 'utf8',
      env: {
        ...process.env,
        TABLE_NAME: 'bench',
        SP_KEY_SECRET_NAME: 'bench',
        SCIM_TOKEN_SECRET_PREFIX: 'bench/',
        OIDC_SIGNING_KEY_SECRET: 'bench/oidc-signing-key',
        EVENT_BUS_NAME: 'bench',
        PUBLIC_BASE_URL: 'https://sso.example.com',
        RUNTIME_MODE: 'deployed',
        AWS_REGION: 'us-east-1',
        AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      },
    });
    const ms = Number.parseFloat(run.stdout);
    if (Number.isFinite(ms)) times.push(ms);
    else if (i === 0) process.stderr.write(`bench: ${bundle} failed to load: ${run.stderr.split('\n').slice(0, 5).join(' | ')}\n`);
  }
  times.sort((a, b) => a - b);
  return times.length ? Math.round(times[Math.floor(times.length / 2)]! * 10) / 10 : Number.NaN;
}
