import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../local/dynamodb-local';
import { settleTwin } from '../support/dynamo';

const ROOT = process.cwd();
const TSX = join(ROOT, 'node_modules', '.bin', 'tsx');

interface Twin {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  /** The exit code, or the signal's name when npm re-raised the signal it forwarded. */
  exited: Promise<number | string | null>;
}

function startTwinProcess(env: Record<string, string>, launcher: 'npx' | 'node' = 'npx'): Twin {
  // `npx tsx local/start.ts` is what `npm start` runs; `node …/tsx/dist/cli.mjs` needs nothing on the PATH.
  const [command, args] = launcher === 'npx' ? ['npx', ['tsx', 'local/start.ts']] : [process.execPath, [join(ROOT, 'node_modules/tsx/dist/cli.mjs'), 'local/start.ts']];
  const child = spawn(command as string, args as string[], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (err += c.toString()));
  // 'close' waits until every process holding the output pipes (tsx, node, java) has gone too.
  const exited = new Promise<number | string | null>((resolve) => child.once('close', (code, signal) => resolve(code ?? signal)));
  return { child, stdout: () => out, stderr: () => err, exited };
}

async function waitForHealth(urls: string[], twin: Twin, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let exited = false;
  void twin.exited.then(() => (exited = true));
  for (const url of urls) {
    for (;;) {
      if (exited) throw new Error(`the twin exited during start-up:\n${twin.stderr()}`);
      if (Date.now() > deadline) throw new Error(`no 200 from ${url} within ${timeoutMs} ms:\n${twin.stderr()}`);
      try {
        const response = await fetch(url, { signal: AbortSignal.timeout(2000) });
        if (response.status === 200) break;
      } catch {
        // not listening yet
      }
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
}

/** PIDs and command lines of every process (ps), to find what a twin left behind. */
function processTable(): { pid: number; ppid: number; args: string }[] {
  return execFileSync('ps', ['-eo', 'pid=,ppid=,args='], { encoding: 'utf8' })
    .split('\n')
    .map((line) => /^\s*(\d+)\s+(\d+)\s+(.*)$/.exec(line))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => ({ pid: Number(m[1]), ppid: Number(m[2]), args: m[3]! }));
}

function descendantsOf(pid: number): { pid: number; args: string }[] {
  const table = processTable();
  const out: { pid: number; args: string }[] = [];
  const walk = (parent: number) => {
    for (const p of table.filter((row) => row.ppid === parent)) {
      out.push(p);
      walk(p.pid);
    }
  };
  walk(pid);
  return out;
}

const cli = (args: string[], env: Record<string, string>) =>
  new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    execFile(TSX, ['local/cli.ts', ...args], { cwd: ROOT, env: { ...process.env, ...env }, timeout: 60_000 }, (error, stdout, stderr) =>
      resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });

describe('npm start (the twin as a child process)', { timeout: 400_000 }, () => {
  let dataDir: string;
  let env: Record<string, string>;
  let ports: { api: number; admin: number };

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'natoma-twin-'));
    ports = { api: await freePort(), admin: await freePort() };
    // This suite is about the process itself: no demo tenant (test/local/demo.test.ts covers it).
    env = { DATA_DIR: dataDir, PORT: String(ports.api), ADMIN_PORT: String(ports.admin), PUBLIC_URL: '', ADMIN_PUBLIC_URL: '', NATOMA_DEMO: '0' };
  });
  afterAll(async () => rm(dataDir, { recursive: true, force: true }));

  it('serves both /health, runs the CLI, stops on SIGTERM without a Java left, and keeps data across a restart', async () => {
    const first = startTwinProcess(env);
    await waitForHealth([`http://127.0.0.1:${ports.api}/health`, `http://127.0.0.1:${ports.admin}/health`], first, 240_000);
    expect(first.stderr()).toContain(`http://127.0.0.1:${ports.api}/saml/<tenantId>/metadata`);
    expect(first.stderr()).toContain('npm run admin');
    const health = await (await fetch(`http://127.0.0.1:${ports.admin}/health`)).json();
    expect(health).toMatchObject({ status: 'ok', surface: 'admin' });

    const created = await cli(['tenant', 'create', '--name', 'Persisted', '--domain', 'persisted.example', '--json'], env);
    expect(created.stderr).toBe('');
    const tenantId = JSON.parse(created.stdout).tenantId as string;
    // The tenant listing is a GSI (eventually consistent by design): a new tenant shows within a second.
    await settleTwin();
    expect((await cli(['tenant', 'list'], env)).stdout).toContain(tenantId);
    expect(JSON.parse((await cli(['tenant', 'show', '--tenant', tenantId, '--json'], env)).stdout).name).toBe('Persisted');
    expect(JSON.parse((await cli(['tenant', 'upgrade', '--tenant', tenantId, '--json'], env)).stdout).plan).toBe('paid');

    const tree = descendantsOf(first.child.pid!);
    expect(tree.some((p) => p.args.startsWith('java') && p.args.includes(dataDir))).toBe(true);
    process.kill(first.child.pid!, 'SIGTERM');
    // npm forwards SIGTERM to the twin, waits for it, then re-raises the signal on itself.
    expect([0, 'SIGTERM']).toContain(await first.exited);
    expect(first.stderr()).toContain('stopped.');
    // No Java (its command line names our DATA_DIR) and, within a few seconds, none of the tree.
    expect(processTable().filter((p) => p.args.includes(dataDir))).toEqual([]);
    const left = async () => {
      const alive = new Set(processTable().filter((p) => !p.args.includes('<defunct>')).map((p) => p.pid));
      return tree.filter((p) => alive.has(p.pid));
    };
    for (let i = 0; i < 40 && (await left()).length > 0; i++) await new Promise((resolve) => setTimeout(resolve, 250));
    expect(await left()).toEqual([]);

    const second = startTwinProcess(env);
    try {
      await waitForHealth([`http://127.0.0.1:${ports.admin}/health`], second, 240_000);
      const again = JSON.parse((await cli(['tenant', 'show', '--tenant', tenantId, '--json'], env)).stdout);
      expect(again).toMatchObject({ tenantId, name: 'Persisted', plan: 'paid' });
    } finally {
      process.kill(second.child.pid!, 'SIGTERM');
      expect([0, 'SIGTERM']).toContain(await second.exited);
    }
  });

  it('exits 1 with one clear line when a port is taken', async () => {
    const blocker: Server = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const taken = (blocker.address() as { port: number }).port;
    try {
      const twin = startTwinProcess({ ...env, PORT: String(taken), ADMIN_PORT: String(await freePort()) });
      expect(await twin.exited).toBe(1);
      const lines = twin.stderr().trim().split('\n');
      expect(lines).toEqual([`natoma-sso twin: port ${taken} is taken on 127.0.0.1: stop what uses it or set PORT to another port`]);
    } finally {
      blocker.close();
    }
  });

  it('exits 1 with one clear line when Java is missing', async () => {
    const emptyBin = join(dataDir, 'empty-bin');
    await mkdir(emptyBin, { recursive: true });
    const twin = startTwinProcess({ ...env, PATH: emptyBin, DATA_DIR: join(dataDir, 'no-java'), PORT: String(await freePort()), ADMIN_PORT: String(await freePort()) }, 'node');
    expect(await twin.exited).toBe(1);
    const lines = twin.stderr().trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^natoma-sso twin: Java 17 or newer is needed/);
  });
});
