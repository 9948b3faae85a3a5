import { accessSync, constants, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { chromium, type Browser, type LaunchOptions } from 'playwright-core';

/** Headless flags every browser suite uses: no sandbox (containers), nothing that phones home. */
export const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'];

/** Where Chromium and Chrome usually live, in the order they are tried after CHROMIUM_PATH. */
export function chromiumCandidates(platform: NodeJS.Platform = process.platform, home = homedir()): string[] {
  if (platform === 'darwin') {
    const apps = ['Chromium.app/Contents/MacOS/Chromium', 'Google Chrome.app/Contents/MacOS/Google Chrome', 'Google Chrome for Testing.app/Contents/MacOS/Google Chrome for Testing'];
    return [...apps.map((app) => `/Applications/${app}`), ...apps.map((app) => `${home}/Applications/${app}`)];
  }
  return ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/snap/bin/chromium', '/usr/bin/google-chrome', '/usr/bin/google-chrome-stable', '/opt/google/chrome/chrome'];
}

const HOW_TO_INSTALL = [
  'Install one, then run the tests again:',
  '  Debian:  sudo apt-get install chromium',
  '  Ubuntu:  sudo snap install chromium',
  '  macOS:   brew install --cask chromium   (or install Google Chrome)',
  'or set CHROMIUM_PATH to the executable of a Chromium or Chrome you have.',
].join('\n');

/** No browser to drive: the message says where we looked and how to get one. */
export class BrowserNotFoundError extends Error {}

export interface BrowserLookup {
  readonly env?: Record<string, string | undefined>;
  readonly platform?: NodeJS.Platform;
  readonly home?: string;
  readonly isExecutable?: (path: string) => boolean;
}

function isExecutableFile(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/** CHROMIUM_PATH when set, else the first usual location that holds an executable; throws BrowserNotFoundError otherwise. */
export function findChromium(lookup: BrowserLookup = {}): string {
  const env = lookup.env ?? process.env;
  const isExecutable = lookup.isExecutable ?? isExecutableFile;
  const chosen = env.CHROMIUM_PATH?.trim();
  if (chosen) {
    if (isExecutable(chosen)) return chosen;
    throw new BrowserNotFoundError(`The browser tests need Chromium or Chrome, but CHROMIUM_PATH (${chosen}) is not an executable file.\n${HOW_TO_INSTALL}`);
  }
  const candidates = chromiumCandidates(lookup.platform, lookup.home);
  const found = candidates.find(isExecutable);
  if (found) return found;
  throw new BrowserNotFoundError(`The browser tests need Chromium or Chrome, and none was found (CHROMIUM_PATH is not set; looked at ${candidates.join(', ')}).\n${HOW_TO_INSTALL}`);
}

/**
 * Launches the browser the tests use. Call it first in a suite's beforeAll: without a browser the
 * suite then fails at once with BrowserNotFoundError's advice, before any twin is started.
 */
export function launchChromium(options: LaunchOptions = {}): Promise<Browser> {
  return chromium.launch({ headless: true, ...options, args: options.args ?? CHROMIUM_ARGS, executablePath: findChromium() });
}
