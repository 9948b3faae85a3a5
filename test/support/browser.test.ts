import { execFile } from 'node:child_process';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BrowserNotFoundError, chromiumCandidates, findChromium } from './browser';

describe('finding a browser for the tests', () => {
  let dir: string;
  let ownChrome: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'natoma-browser-'));
    ownChrome = join(dir, 'my-chrome');
    await writeFile(ownChrome, '#!/bin/sh\n');
    await chmod(ownChrome, 0o755);
  });
  afterAll(async () => rm(dir, { recursive: true, force: true }));

  it('uses CHROMIUM_PATH before any usual location', () => {
    // Prepare: every usual location "exists" too
    const everywhere = { isExecutable: () => true, platform: 'linux' as const };
    // Act + Assess
    expect(findChromium({ ...everywhere, env: { CHROMIUM_PATH: '/opt/custom/chrome' } })).toBe('/opt/custom/chrome');
    expect(findChromium({ env: { CHROMIUM_PATH: ownChrome } })).toBe(ownChrome);
  });

  it('refuses a CHROMIUM_PATH that is not an executable file rather than silently using another browser', () => {
    expect(() => findChromium({ env: { CHROMIUM_PATH: join(dir, 'missing') }, isExecutable: (path) => path === '/usr/bin/chromium' })).toThrow(/CHROMIUM_PATH \(.*missing\) is not an executable file/);
  });

  it("then tries Debian's, Ubuntu's and Chrome's places on Linux, and the Applications folders on macOS", () => {
    const only = (wanted: string) => (path: string) => path === wanted;
    expect(findChromium({ env: {}, platform: 'linux', isExecutable: only('/usr/bin/chromium-browser') })).toBe('/usr/bin/chromium-browser');
    expect(findChromium({ env: {}, platform: 'linux', isExecutable: only('/usr/bin/google-chrome') })).toBe('/usr/bin/google-chrome');
    const userChrome = '/Users/ada/Applications/Google Chrome.app/Contents/MacOS/Google Chrome';
    expect(findChromium({ env: {}, platform: 'darwin', home: '/Users/ada', isExecutable: only(userChrome) })).toBe(userChrome);
    expect(chromiumCandidates('linux')[0]).toBe('/usr/bin/chromium');
  });

  it('without any browser, says where it looked and how to install one on Debian and macOS', () => {
    let error: unknown;
    try {
      findChromium({ env: {}, platform: 'linux', isExecutable: () => false });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(BrowserNotFoundError);
    const message = (error as Error).message;
    expect(message).toContain('none was found');
    expect(message).toContain('/usr/bin/chromium');
    expect(message).toContain('sudo apt-get install chromium');
    expect(message).toContain('brew install --cask chromium');
    expect(message).toContain('CHROMIUM_PATH');
  });

  it('fails a browser suite at once with that one message, before any browser launch', async () => {
    // Act: a browser suite run on its own, with no usable browser
    const run = await new Promise<{ code: number; output: string }>((resolve) =>
      execFile(
        join(process.cwd(), 'node_modules', '.bin', 'vitest'),
        ['run', 'test/saml/browser.test.ts', '--reporter=default'],
        { env: { ...process.env, CHROMIUM_PATH: join(dir, 'missing'), NO_COLOR: '1', FORCE_COLOR: '0' }, timeout: 120_000 },
        (error, stdout, stderr) => resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, output: stdout + stderr }),
      ),
    );
    // Assess
    expect(run.code).not.toBe(0);
    expect(run.output.match(/Install one, then run the tests again/g)).toHaveLength(1);
    expect(run.output).toMatch(/Tests\s+\d+ skipped/);
    expect(run.output).not.toContain('browserType.launch');
  }, 150_000);
});
