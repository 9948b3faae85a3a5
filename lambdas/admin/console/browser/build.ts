import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

/** The console's script and stylesheet as the browser gets them: compiled, minified text. */
export interface ConsoleAssetText {
  readonly js: string;
  readonly css: string;
}

/**
 * Compiles `console.ts` and `console.css` with esbuild. The CDK stack runs this at synth and injects the
 * text into the admin bundle (`consoleAssetDefines`); the twin and the tests, which run the sources
 * directly, run it at first use. esbuild is loaded here, lazily, so that it never enters a Lambda bundle.
 */
export function compileConsoleAssets(): ConsoleAssetText {
  const esbuild = createRequire(import.meta.url)('esbuild') as typeof import('esbuild');
  const source = (name: string) => fileURLToPath(new URL(`./${name}`, import.meta.url));
  const js = esbuild.buildSync({ entryPoints: [source('console.ts')], bundle: true, write: false, format: 'iife', minify: true, target: 'es2020', logLevel: 'silent' });
  const css = esbuild.transformSync(readFileSync(source('console.css'), 'utf8'), { loader: 'css', minify: true });
  return { js: js.outputFiles[0]!.text, css: css.code };
}

/** esbuild `define` entries that put the compiled assets into a bundle as string constants. */
export function consoleAssetDefines(assets: ConsoleAssetText = compileConsoleAssets()): Record<string, string> {
  return { __NATOMA_CONSOLE_JS__: JSON.stringify(assets.js), __NATOMA_CONSOLE_CSS__: JSON.stringify(assets.css) };
}
