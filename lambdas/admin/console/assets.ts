import { createHash } from 'node:crypto';
import type { HttpResult } from '../../http/request';
import { CONSOLE_CSS } from './assets-css';
import { CONSOLE_JS } from './assets-js';

interface Asset {
  readonly path: string;
  readonly contentType: string;
  readonly body: string;
}

// Content-addressed names: a deploy changes the URL, so assets can be cached for a year.
const fingerprint = (body: string): string => createHash('sha256').update(body).digest('hex').slice(0, 12);
const cssAsset: Asset = { path: `/assets/console-${fingerprint(CONSOLE_CSS)}.css`, contentType: 'text/css; charset=utf-8', body: CONSOLE_CSS.trim() };
const jsAsset: Asset = { path: `/assets/console-${fingerprint(CONSOLE_JS)}.js`, contentType: 'text/javascript; charset=utf-8', body: CONSOLE_JS };

export const ASSET_PATHS = { css: cssAsset.path, js: jsAsset.path } as const;
const byPath = new Map([cssAsset, jsAsset].map((asset) => [asset.path, asset]));

export function serveAsset(path: string): HttpResult | undefined {
  const asset = byPath.get(path);
  if (!asset) return undefined;
  return {
    statusCode: 200,
    headers: {
      'content-type': asset.contentType,
      'cache-control': 'public, max-age=31536000, immutable',
      'x-content-type-options': 'nosniff',
    },
    body: asset.body,
  };
}
