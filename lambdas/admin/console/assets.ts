import { sha256Hex } from '../../core/digest';
import { NotFoundError } from '../../core/errors';
import type { HttpResult } from '../../http/request';
import { route, type Route } from '../../http/routes';
import { compileConsoleAssets } from './browser/build';

// Injected by the admin bundle's esbuild `define` (lib/constructs/admin-api.ts); absent when the sources run directly.
declare const __NATOMA_CONSOLE_JS__: string | undefined;
declare const __NATOMA_CONSOLE_CSS__: string | undefined;

interface Asset {
  readonly path: string;
  readonly contentType: string;
  readonly body: string;
}

export interface ConsoleAssets {
  readonly paths: { readonly css: string; readonly js: string };
  readonly byPath: ReadonlyMap<string, Asset>;
}

// Content-addressed names: a deploy changes the URL, so assets can be cached for a year.
const fingerprint = (body: string): string => sha256Hex(body).slice(0, 12);

let assets: ConsoleAssets | undefined;

/** The console's script and stylesheet: from the bundle when deployed, compiled from source on first use otherwise. */
export function consoleAssets(): ConsoleAssets {
  if (assets) return assets;
  const text =
    typeof __NATOMA_CONSOLE_JS__ === 'string' && typeof __NATOMA_CONSOLE_CSS__ === 'string' ? { js: __NATOMA_CONSOLE_JS__, css: __NATOMA_CONSOLE_CSS__ } : compileConsoleAssets();
  const css: Asset = { path: `/assets/console-${fingerprint(text.css)}.css`, contentType: 'text/css; charset=utf-8', body: text.css };
  const js: Asset = { path: `/assets/console-${fingerprint(text.js)}.js`, contentType: 'text/javascript; charset=utf-8', body: text.js };
  assets = { paths: { css: css.path, js: js.path }, byPath: new Map([css, js].map((asset) => [asset.path, asset])) };
  return assets;
}

/** `GET /assets/{name}`: the fingerprinted script and stylesheet, cacheable for a year. */
export const assetRoute: Route = route('GET', '/assets/{name}', async ({ path }) => {
  const asset = consoleAssets().byPath.get(path);
  if (!asset) throw new NotFoundError('There is no such file.');
  const result: HttpResult = { statusCode: 200, headers: { 'content-type': asset.contentType, 'cache-control': 'public, max-age=31536000, immutable' }, body: asset.body };
  return result;
});
