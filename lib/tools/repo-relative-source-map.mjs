// Usage: node repo-relative-source-map.mjs <bundle.js.map> <repository root>
//
// esbuild writes a source map's `sources` relative to the folder it bundles into, which lies inside
// the cloud assembly (`cdk.out` or `-o DIR`). The map is part of the Lambda asset, so another output
// folder gave every function another asset hash: a false "code changed" on each deploy. This rewrites
// `sources` relative to the repository root (`lambdas/saml/handler.ts`); on Lambda they resolve
// beside the bundle, under /var/task, which is also what stack traces show.
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, relative, resolve, sep } from 'node:path';

const [mapFile, repoRoot] = process.argv.slice(2);
if (!mapFile || !repoRoot) {
  console.error('usage: node repo-relative-source-map.mjs <bundle.js.map> <repository root>');
  process.exit(2);
}
const map = JSON.parse(readFileSync(mapFile, 'utf8'));
const base = resolve(dirname(mapFile), map.sourceRoot ?? '');
map.sources = map.sources.map((source) => relative(repoRoot, resolve(base, source)).split(sep).join('/'));
delete map.sourceRoot;
writeFileSync(mapFile, JSON.stringify(map));
