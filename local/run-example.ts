/**
 * `npm run example`: the local twin and the example app (examples/app) side by side, wired as a SaaS team
 * would wire them: the app is registered as an OIDC client with the operator CLI, and the twin POSTs
 * directory events to the app's webhook. It talks to both only through processes and HTTP, as a user does.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { appCreateArgs, EXAMPLE_APP_SCOPE, ExampleLaunchError, readSavedRegistration, registrationFromCli, saveRegistration, type CommandResult, type ExampleRegistration } from './example-registration';
import { watchLaunchers } from './launcher-watch';

// Paths from this file, so the launcher works from any directory; tsx resolves from the repository root.
const repoRoot = dirname(dirname(fileURLToPath(import.meta.url)));
// Absolute, and handed to the twin and the CLI, so all three use the same directory.
const dataDir = resolve(process.env.DATA_DIR || join(repoRoot, '.data'));
process.env.DATA_DIR = dataDir;
const appPort = Number(process.env.EXAMPLE_APP_PORT || 3002);
const appUrl = (process.env.EXAMPLE_APP_URL || `http://127.0.0.1:${appPort}`).replace(/\/+$/, '');
const registrationPath = join(dataDir, 'example-app.json');
// As the twin computes its issuer (local/start.ts): a saved client of another issuer is not reused.
const expectedIssuer = (process.env.PUBLIC_URL || `http://127.0.0.1:${process.env.PORT || 3000}`).replace(/\/+$/, '');
const forceNewClient = process.argv.includes('--new-client');
const children: ChildProcess[] = [];

const say = (line: string) => process.stderr.write(`[example] ${line}\n`);

/**
 * The twin as `npm start` runs it (local/start.ts, same flags), with the webhook pointed at the app; resolves
 * once it prints its banner. Run without npm in between, so our SIGINT reaches it and it stops DynamoDB Local.
 */
async function startTwin(env: Record<string, string>): Promise<ChildProcess> {
  const twin = spawn(process.execPath, ['--import', 'tsx', join(repoRoot, 'local/start.ts'), ...process.argv.slice(2).filter((arg) => arg !== '--new-client')], {
    cwd: repoRoot,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'inherit', 'pipe'],
  });
  children.push(twin);
  let output = '';
  twin.stderr!.on('data', (chunk: Buffer) => {
    output += chunk.toString();
    process.stderr.write(chunk);
  });
  await new Promise<void>((resolve, reject) => {
    const ready = setInterval(() => {
      if (output.includes('Ctrl-C stops the twin')) {
        clearInterval(ready);
        resolve();
      }
    }, 100);
    twin.once('exit', (code) => {
      clearInterval(ready);
      reject(new ExampleLaunchError(`the twin (local/start.ts) exited with code ${code} before it was ready`));
    });
  });
  return twin;
}

/** Registers the app through the operator CLI's documented interface (issue 9): `app create … --json`. */
async function registerApp(webhookKey: string): Promise<ExampleRegistration> {
  const args = appCreateArgs(appUrl);
  const result = await new Promise<CommandResult>((resolve) => {
    execFile('npm', args, { cwd: repoRoot, env: process.env, timeout: 60_000 }, (error, stdout, stderr) => resolve({ stdout, stderr, code: error ? Number(error.code ?? 1) || 1 : 0 }));
  });
  const registration = registrationFromCli(result, args, appUrl, webhookKey);
  await saveRegistration(registrationPath, registration);
  return registration;
}

function startApp(registration: ExampleRegistration): ChildProcess {
  const app = spawn(process.execPath, ['--import', 'tsx', join(repoRoot, 'examples/app/main.ts')], {
    cwd: repoRoot,
    env: {
      ...process.env,
      ISSUER: registration.issuer,
      CLIENT_ID: registration.clientId,
      CLIENT_SECRET: registration.clientSecret,
      PORT: String(appPort),
      APP_URL: appUrl,
      EVENTS_WEBHOOK_KEY: registration.webhookKey,
      SCOPE: process.env.SCOPE || EXAMPLE_APP_SCOPE,
    },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  children.push(app);
  return app;
}

let stopping = false;
function stopAll(code: number): void {
  if (stopping) return;
  stopping = true;
  for (const child of children) if (child.exitCode === null) child.kill('SIGINT');
  const force = setTimeout(() => process.exit(code), 15_000);
  force.unref();
  void Promise.all(children.map((child) => (child.exitCode === null ? new Promise((resolve) => child.once('exit', resolve)) : undefined))).then(() => process.exit(code));
}

async function main(): Promise<void> {
  if (!Number.isInteger(appPort) || appPort <= 0 || appPort > 65535) throw new ExampleLaunchError(`EXAMPLE_APP_PORT must be a port number, got "${process.env.EXAMPLE_APP_PORT}"`);
  const saved = forceNewClient ? undefined : await readSavedRegistration(registrationPath, { appUrl, issuer: expectedIssuer });
  const webhookKey = saved?.webhookKey ?? randomBytes(24).toString('base64url');
  const twin = await startTwin({
    EVENTS_WEBHOOK_URL: `${appUrl}/events`,
    EVENTS_WEBHOOK_KEY: webhookKey,
    // The stage's default app: sign-ins no app started land here. Known from the second start on.
    ...(saved ? { OIDC_DEFAULT_CLIENT_ID: saved.clientId } : {}),
  });
  twin.once('exit', (code) => {
    if (stopping) return;
    say(`the twin exited (code ${code}): stopping the example app`);
    stopAll(code ?? 1);
  });
  const registration = saved ?? (await registerApp(webhookKey));
  say(saved ? `reusing client ${registration.clientId} from ${registrationPath} (--new-client registers a new one)` : `registered client ${registration.clientId}; saved in ${registrationPath}`);
  const app = startApp(registration);
  app.once('exit', (code) => {
    if (stopping) return;
    say(`the example app exited (code ${code}): stopping the twin`);
    stopAll(code ?? 1);
  });
  say(`open ${appUrl} and click "Sign in with SSO" (demo user: dev.user@acme.test). Events and logouts: ${appUrl}/received. Ctrl-C stops both.`);
}

// A signal sent to npm alone does not reach us: stop when npm goes, as the twin does.
watchLaunchers(() => stopAll(0));
process.on('SIGINT', () => stopAll(0));
process.on('SIGTERM', () => stopAll(0));
main().catch((error: unknown) => {
  say(error instanceof ExampleLaunchError ? error.message : `failed: ${error instanceof Error ? error.message : String(error)}`);
  stopAll(1);
});
