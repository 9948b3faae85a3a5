/**
 * The example app's OIDC client for `npm run example`: the operator CLI call that registers it (the
 * interface issue 9 documents), reading what the CLI prints, and keeping it in DATA_DIR for the next start.
 */
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';

export interface ExampleRegistration {
  readonly issuer: string;
  readonly clientId: string;
  readonly clientSecret: string;
  readonly appUrl: string;
  /** The key the twin sends in `x-api-key` with each event; kept with the client so restarts agree. */
  readonly webhookKey: string;
}

/** Something `npm run example` can't get past, said so that the person running it knows what to do. */
export class ExampleLaunchError extends Error {}

/** The scopes the example app asks for beside the twin: `groups` too, so its claims page lists them (its own default has no `groups`, which not every provider knows). */
export const EXAMPLE_APP_SCOPE = 'openid email profile groups';

/** `npm run -s admin -- app create … --json` for an app at `appUrl`, as arguments to npm. */
export function appCreateArgs(appUrl: string): string[] {
  return ['run', '-s', 'admin', '--', 'app', 'create', '--name', 'Example app',
    '--redirect-uri', `${appUrl}/callback`,
    '--post-logout-redirect-uri', `${appUrl}/`,
    '--backchannel-logout-uri', `${appUrl}/backchannel-logout`,
    '--initiate-login-uri', `${appUrl}/initiate-login`,
    '--json'];
}

export interface CommandResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** The registration from the CLI's `--json` output, or an error naming the command and what went wrong. */
export function registrationFromCli(result: CommandResult, args: readonly string[], appUrl: string, webhookKey: string): ExampleRegistration {
  const command = `npm ${args.map((arg) => (arg.includes(' ') ? `"${arg}"` : arg)).join(' ')}`;
  const failed = (what: string) => new ExampleLaunchError(`registering the example app failed: \`${command}\` ${what}`);
  if (result.code !== 0) {
    const lastLines = result.stderr.trim().split('\n').slice(-5).join('\n');
    throw failed(`exited with ${result.code}.\n${lastLines}\nDoes this build's operator CLI have \`app create\` (OIDC, issue 9)? Try \`npm run -s admin -- --help\`.`);
  }
  let created: { clientId?: unknown; clientSecret?: unknown; issuer?: unknown };
  try {
    created = JSON.parse(result.stdout) as typeof created;
  } catch {
    throw failed('did not print JSON');
  }
  if (typeof created !== 'object' || created === null || typeof created.clientId !== 'string' || typeof created.clientSecret !== 'string' || typeof created.issuer !== 'string') {
    throw failed('printed no clientId, clientSecret and issuer');
  }
  return { issuer: created.issuer, clientId: created.clientId, clientSecret: created.clientSecret, appUrl, webhookKey };
}

/** The client saved by an earlier start, when it was made for this app URL and this issuer. */
export async function readSavedRegistration(path: string, expected: { readonly appUrl: string; readonly issuer: string }): Promise<ExampleRegistration | undefined> {
  let saved: Partial<ExampleRegistration>;
  try {
    saved = JSON.parse(await readFile(path, 'utf8')) as Partial<ExampleRegistration>;
  } catch {
    return undefined;
  }
  const complete = [saved.issuer, saved.clientId, saved.clientSecret, saved.appUrl, saved.webhookKey].every((value) => typeof value === 'string' && value !== '');
  return complete && saved.appUrl === expected.appUrl && saved.issuer === expected.issuer ? (saved as ExampleRegistration) : undefined;
}

/** The client secret is shown once: keep it beside the twin's data (a local dev directory), readable by its owner only. */
export async function saveRegistration(path: string, registration: ExampleRegistration): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, `${JSON.stringify(registration, null, 2)}\n`, { mode: 0o600 });
  await chmod(path, 0o600);
}
