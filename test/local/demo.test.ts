import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { demoMarkerPath, demoWanted, DemoSkippedError, ensureDemo } from '../../local/demo';
import { freePort } from '../../local/dynamodb-local';
import { startTwin, type RunningTwin } from '../../local/twin';
import { launchChromium } from '../support/browser';
import { settleTwin } from '../support/dynamo';

const ROOT = process.cwd();

interface Started {
  readonly child: ChildProcess;
  readonly stderr: () => string;
  readonly closed: Promise<unknown>;
  /** Milliseconds from spawning `npm start` to the end of its banner. */
  readonly bannerMs: number;
}

/** `npm start`, as a newcomer runs it; resolves once the banner (with the demo block) is printed. */
async function npmStart(env: Record<string, string>): Promise<Started> {
  const began = performance.now();
  const child = spawn('npm', ['start'], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  child.stderr!.on('data', (chunk: Buffer) => (err += chunk.toString()));
  const closed = new Promise((resolve) => child.once('close', resolve));
  let exited = false;
  void closed.then(() => (exited = true));
  const deadline = Date.now() + 240_000;
  while (!err.includes('Ctrl-C stops the twin')) {
    if (exited) throw new Error(`npm start exited during start-up:\n${err}`);
    if (Date.now() > deadline) throw new Error(`no banner within 240 s:\n${err}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return { child, stderr: () => err, closed, bannerMs: Math.round(performance.now() - began) };
}

async function stop(started: Started): Promise<void> {
  started.child.kill('SIGTERM');
  await started.closed;
}

interface Printed {
  tenantId: string;
  signInUrl: string;
  demoUser: string;
  consoleLink: string;
  scimBaseUrl: string;
  curl: string;
}

function printedDemo(banner: string): Printed {
  const grab = (pattern: RegExp, what: string) => {
    const match = pattern.exec(banner);
    if (!match) throw new Error(`the banner shows no ${what}:\n${banner}`);
    return match[1]!;
  };
  return {
    tenantId: grab(/demo tenant "Acme \(demo\)" \((t[a-z0-9]+)\)/, 'demo tenant'),
    signInUrl: grab(/1\. Sign in as a user:\s+(\S+)/, 'sign-in URL'),
    demoUser: grab(/enter (\S+@\S+),/, 'demo user'),
    consoleLink: grab(/2\. Admin console:\s+(\S+)/, 'console link'),
    scimBaseUrl: grab(/3\. SCIM base URL:\s+(\S+)/, 'SCIM base URL'),
    curl: grab(/^\s*(curl .+)$/m, 'curl line'),
  };
}

const hasCurl = (() => {
  try {
    execFileSync('curl', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

/** Runs the printed line in a shell as a person pasting it would; without curl, makes the same request with fetch. */
async function runPrintedCurl(line: string): Promise<unknown> {
  if (hasCurl) {
    const stdout = await new Promise<string>((resolve, reject) =>
      execFile('sh', ['-c', line], { timeout: 30_000 }, (error, out) => (error ? reject(error) : resolve(out))),
    );
    return JSON.parse(stdout);
  }
  const header = /-H '([^:']+):\s*([^']*)'/.exec(line)!;
  const url = /'(https?:\/\/[^']+)'/.exec(line)![1]!;
  return (await fetch(url, { headers: { [header[1]!]: header[2]! } })).json();
}

describe('npm start on a fresh DATA_DIR creates the demo tenant and prints how to use it', { timeout: 600_000 }, () => {
  let browser: Browser;
  let dataDir: string;
  let env: Record<string, string>;

  beforeAll(async () => {
    browser = await launchChromium();
    dataDir = await mkdtemp(join(tmpdir(), 'natoma-demo-'));
    // Free ports, the same for both starts (the dev IdP's entity ID carries the API URL).
    env = { DATA_DIR: dataDir, PORT: String(await freePort()), ADMIN_PORT: String(await freePort()), PUBLIC_URL: '', ADMIN_PUBLIC_URL: '', NATOMA_DEMO: '' };
  });
  afterAll(async () => {
    await browser?.close();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it('signs the demo user in, opens the console on the active SSO, answers the curl line, and is reused by the next start', async () => {
    const first = await npmStart(env);
    let printed: Printed;
    try {
      printed = printedDemo(first.stderr());
      console.info(`npm start on a fresh DATA_DIR: banner with the demo after ${first.bannerMs} ms`);
      expect(first.stderr()).toContain('created now');
      expect(first.stderr()).toContain('a local demo token');

      // SP-initiated sign-in, as printed: the sign-in page, the demo user's email, the dev IdP's Sign in.
      const context = await browser.newContext();
      const user = await context.newPage();
      await user.goto(printed.signInUrl);
      await user.getByLabel('Work email').fill(printed.demoUser);
      await user.getByRole('button', { name: 'Sign in' }).click();
      await user.waitForURL(/\/_dev-idp\/sso/);
      expect(await user.getByLabel('Email').inputValue()).toBe(printed.demoUser);
      await user.getByRole('button', { name: 'Sign in' }).click();
      await user.waitForURL(new URL('/dashboard', printed.signInUrl).href);
      expect((await user.locator('[data-field=email]').textContent())?.trim()).toBe(printed.demoUser);
      expect((await user.locator('[data-field=name]').textContent())?.trim()).toBe('Dev User');
      expect(await user.locator('[data-field=tenant]').textContent()).toContain('Acme (demo)');

      // The one-time console link opens the SSO page on the demo's active configuration.
      const admin = await context.newPage();
      await admin.goto(printed.consoleLink);
      await admin.getByRole('button', { name: 'Continue' }).click();
      await admin.waitForURL(/\/sso$/);
      await admin.waitForSelector('html[data-ready="true"]');
      expect(new URL(admin.url()).pathname).toBe('/sso');
      expect(await admin.inputValue('#tenant-id')).toBe(printed.tenantId);
      const main = (await admin.textContent('#main')) ?? '';
      expect(main).toContain('Your users sign in with this IdP');
      expect(main).toContain(new URL('/_dev-idp/metadata', printed.signInUrl).href);
      await context.close();

      // The curl line lists the SCIM users, the demo user among them.
      const list = (await runPrintedCurl(printed.curl)) as { schemas: string[]; Resources: { userName: string }[] };
      expect(list.schemas).toEqual(['urn:ietf:params:scim:api:messages:2.0:ListResponse']);
      expect(list.Resources.map((resource) => resource.userName)).toContain(printed.demoUser);
      expect(printed.curl).toContain(`'${printed.scimBaseUrl}/Users'`);
      expect((await stat(join(dataDir, 'demo.json'))).mode & 0o077).toBe(0);
    } finally {
      await stop(first);
    }

    const second = await npmStart(env);
    try {
      const again = printedDemo(second.stderr());
      console.info(`npm start again on the same DATA_DIR: banner after ${second.bannerMs} ms`);
      expect(second.stderr()).toContain('kept from an earlier start');
      expect(again.tenantId).toBe(printed.tenantId);
      expect(again.consoleLink).not.toBe(printed.consoleLink);
      expect(again.curl).toBe(printed.curl);
      const operatorKey = (await readFile(join(dataDir, 'operator.key'), 'utf8')).trim();
      const tenants = (await (await fetch(`http://127.0.0.1:${env.ADMIN_PORT}/operator/tenants`, { headers: { 'x-natoma-operator-key': operatorKey } })).json()) as { tenants: { tenantId: string; domains: string[] }[] };
      expect(tenants.tenants.filter((tenant) => tenant.domains.includes('acme.test')).map((tenant) => tenant.tenantId)).toEqual([printed.tenantId]);
      expect(tenants.tenants).toHaveLength(1);
      const list = (await runPrintedCurl(again.curl)) as { totalResults: number };
      expect(list.totalResults).toBeGreaterThan(0);
    } finally {
      await stop(second);
    }
  });
});

describe('whether npm start sets up the demo', () => {
  it('does by default, not with --no-demo or NATOMA_DEMO=0, and names an unknown flag', () => {
    expect(demoWanted([], {})).toBe(true);
    expect(demoWanted([], { NATOMA_DEMO: '1' })).toBe(true);
    expect(demoWanted(['--no-demo'], {})).toBe(false);
    for (const off of ['0', 'false', 'off', 'no']) expect(demoWanted([], { NATOMA_DEMO: off })).toBe(false);
    expect(() => demoWanted(['--no-dmeo'], {})).toThrow('unknown flag --no-dmeo');
  });
});

describe('the demo on a twin whose DATA_DIR lost its marker', { timeout: 120_000 }, () => {
  const twins: RunningTwin[] = [];
  const start = async (same?: RunningTwin) => {
    const dataDir = same?.dataDir ?? (await mkdtemp(join(tmpdir(), 'natoma-demo-marker-')));
    const twin = await startTwin({ dataDir, port: 0, adminPort: 0, dynamoEndpoint: inject('dynamoEndpoint'), tableName: same?.tableName ?? `demo-${randomUUID()}`, logSink: () => {} });
    twins.push(twin);
    return twin;
  };
  afterAll(async () => {
    for (const twin of twins) {
      await twin.stop();
      await rm(twin.dataDir, { recursive: true, force: true });
    }
  });

  it('finds the demo tenant by its domain instead of creating a second one', async () => {
    const twin = await start();
    const first = await ensureDemo(twin);
    await twin.stop();
    await rm(demoMarkerPath(twin.dataDir));
    const again = await ensureDemo(await start(twin));
    expect(first.created).toBe(true);
    expect(again).toMatchObject({ created: false, tenantId: first.tenantId });
    const list = (await (await fetch(`${again.scimBaseUrl}/Users`, { headers: { authorization: `Bearer ${again.scimToken}` } })).json()) as { totalResults: number };
    expect(list.totalResults).toBeGreaterThan(0);
  });

  it('leaves alone a tenant of another name that owns acme.test, and says so', async () => {
    const twin = await start();
    const created = await fetch(`${twin.adminUrl}/operator/tenants`, {
      method: 'POST',
      headers: { 'x-natoma-operator-key': twin.operatorKey, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'Acme Real', domains: ['acme.test'] }),
    });
    expect(created.status).toBe(201);
    // A start that finds acme.test taken comes long after its owner was created, and the demo looks the
    // owner up in the operator's tenant listing (a GSI, eventually consistent by design).
    await settleTwin();
    const refused = ensureDemo(twin);
    await expect(refused).rejects.toBeInstanceOf(DemoSkippedError);
    await expect(refused).rejects.toThrow('the domain acme.test already belongs to tenant "Acme Real"');
  });
});
