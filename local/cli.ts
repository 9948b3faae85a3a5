import { realpathSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseFlags, splitArgs, UsageError, type FlagSpec } from './cli-args';
import { operatorCall, operatorCommands, type CommandSpec } from './cli-commands';
import { spKeyCommands } from './cli-sp-key';
import { appCommands } from './cli-apps';
import { oidcKeyCommands } from './cli-oidc-key';
import { localTransport, OperatorRequestError, regionFromFunctionUrl, signedTransport, type OperatorTransport } from './operator-client';
import { readOperatorKey } from './operator-key';
import { quietNodeVersionWarning } from './quiet-warnings';

const globalFlags: FlagSpec[] = [
  { name: 'json', kind: 'boolean', description: 'print exactly one JSON document on stdout' },
  { name: 'url', kind: 'string', placeholder: 'URL', description: "a deployed stack's operator URL (stack output AdminOperatorUrl); requests are SigV4-signed" },
  { name: 'admin-url', kind: 'string', placeholder: 'URL', description: 'same as --url, for commands whose own --url means something else (sso set-metadata)' },
  { name: 'region', kind: 'string', placeholder: 'REGION', description: 'AWS region for --url (default: AWS_REGION, or taken from the URL)' },
  { name: 'help', kind: 'boolean', short: 'h', description: 'show help' },
];

export interface CliIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  readonly env: Record<string, string | undefined>;
  /** For tests: a transport to use instead of the local twin or --url. */
  readonly transport?: OperatorTransport;
}

const PROGRAM = 'npm run admin --';
const commands: readonly CommandSpec[] = [...operatorCommands, ...appCommands, ...spKeyCommands, ...oidcKeyCommands];

const commandLine = (c: CommandSpec) =>
  [
    PROGRAM,
    ...c.words,
    ...c.flags.map((f) => {
      const one = `--${f.name}${f.kind === 'boolean' ? '' : ` ${f.placeholder ?? 'VALUE'}`}`;
      const inGroup = c.exactlyOne?.find((group) => group.includes(f.name));
      if (inGroup) return inGroup[0] === f.name ? `(${inGroup.map((n) => `--${n} ${c.flags.find((x) => x.name === n)?.placeholder ?? 'VALUE'}`).join(' | ')})` : '';
      return f.required ? (f.kind === 'strings' ? `${one} [${one}]` : one) : `[${one}]`;
    }),
    '[--json]',
  ]
    .filter(Boolean)
    .join(' ');

/** Global flags a command does not shadow with its own flag of the same name. */
const globalsFor = (c: CommandSpec) => globalFlags.filter((g) => !c.flags.some((f) => f.name === g.name));

function commandHelp(c: CommandSpec): string {
  const flags = [...c.flags, ...globalsFor(c).filter((f) => f.name !== 'help')];
  const width = Math.max(...flags.map((f) => f.name.length)) + 4;
  return [`${c.summary}`, '', `Usage: ${commandLine(c)}`, '', 'Flags:', ...flags.map((f) => `  --${f.name.padEnd(width)}${f.description}`)].join('\n');
}

function generalHelp(): string {
  return [
    'natoma-sso operator CLI',
    '',
    `Usage: ${PROGRAM} <command> [flags]`,
    '',
    'Commands:',
    ...commands.map((c) => `  ${c.words.join(' ').padEnd(22)}${c.summary}`),
    '',
    'Targets:',
    '  default   the local twin: http://127.0.0.1:$ADMIN_PORT (3001) or $ADMIN_PUBLIC_URL,',
    '            authenticated with $DATA_DIR/operator.key (DATA_DIR defaults to .data)',
    '  --url U   a deployed stack (stack output AdminOperatorUrl), SigV4-signed with the usual',
    '            AWS credential chain; region from --region, AWS_REGION or the URL',
    '            (--admin-url U does the same; sso set-metadata needs it, its --url is the IdP metadata URL)',
    '  sp-key    works on the SP key secret itself: $DATA_DIR/secrets for the twin, or with',
    '            --secret-id (stack output SpCredentialSecretName) Secrets Manager, with your AWS credentials',
    '',
    'Every command accepts --json (one JSON document on stdout; use `npm run -s admin` to keep',
    "npm's own banner off stdout) and --help. Exit codes: 0 ok, 1 request failed, 2 bad flags.",
  ].join('\n');
}

function findCommand(words: readonly string[]): CommandSpec | undefined {
  return commands.find((c) => c.words.length === words.length && c.words.every((w, i) => w === words[i]));
}

async function transportFor(command: CommandSpec, flags: Record<string, unknown>, io: CliIo): Promise<OperatorTransport> {
  if (io.transport) return io.transport;
  const ownUrl = command.flags.some((f) => f.name === 'url');
  const target = (flags['admin-url'] ?? (ownUrl ? undefined : flags.url)) as string | undefined;
  if (target !== undefined) {
    const flag = flags['admin-url'] !== undefined ? '--admin-url' : '--url';
    let url: URL;
    try {
      url = new URL(target);
    } catch {
      throw new UsageError(`${flag} must be an absolute URL, got "${target}"`);
    }
    const region = (flags.region as string | undefined) ?? io.env.AWS_REGION ?? io.env.AWS_DEFAULT_REGION ?? regionFromFunctionUrl(url.href);
    if (!region) throw new UsageError('--region is needed: it is neither in AWS_REGION nor in the URL');
    const { fromNodeProviderChain } = await import('@aws-sdk/credential-providers');
    return signedTransport(url.href, region, fromNodeProviderChain());
  }
  const dataDir = io.env.DATA_DIR || '.data';
  const adminUrl = io.env.ADMIN_PUBLIC_URL || `http://127.0.0.1:${io.env.ADMIN_PORT || '3001'}`;
  let key: string;
  try {
    key = await readOperatorKey(dataDir);
  } catch {
    throw new OperatorRequestError(`no operator key in ${join(dataDir, 'operator.key')}: start the twin (npm start) with the same DATA_DIR, or pass --url for a deployed stack`);
  }
  return localTransport(adminUrl, key);
}

/** Runs the CLI; returns the exit code (0 ok, 1 request failed, 2 bad flags). */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  const { words, rest } = splitArgs(argv);
  const wantsJson = rest.includes('--json');
  const command = findCommand(words);
  try {
    if (!command) {
      const general = words.length === 0 && rest.length > 0 ? parseFlags(rest, globalFlags, `${PROGRAM} --help`) : {};
      if (words.length === 0 && (rest.length === 0 || general.help)) {
        io.stdout(generalHelp() + '\n');
        return rest.length === 0 ? 2 : 0;
      }
      const near = commands.filter((c) => c.words[0] === words[0]).map((c) => c.words.join(' '));
      throw new UsageError(
        words.length === 0 ? 'no command given' : `unknown command "${words.join(' ')}"${near.length > 0 ? `; did you mean: ${near.join(', ')}?` : ''}`,
        `${PROGRAM} --help`,
      );
    }
    const usage = commandLine(command);
    const flags = parseFlags(rest, [...command.flags, ...globalsFor(command)], usage);
    if (flags.help) {
      io.stdout(commandHelp(command) + '\n');
      return 0;
    }
    for (const group of command.exactlyOne ?? []) {
      const given = group.filter((name) => flags[name] !== undefined);
      if (given.length !== 1) throw new UsageError(given.length === 0 ? `give one of ${group.map((n) => `--${n}`).join(' or ')}` : `give only one of ${group.map((n) => `--${n}`).join(' or ')}`, usage);
    }
    const result = command.runDirect ? await command.runDirect(flags, io.env) : await command.run!(operatorCall(await transportFor(command, flags, io)), flags);
    io.stdout((flags.json ? JSON.stringify(result, null, 2) : command.human(result, flags)) + '\n');
    return 0;
  } catch (error) {
    if (error instanceof UsageError) {
      io.stderr(`error: ${error.message}\n`);
      io.stderr(`usage: ${error.usage ?? (command ? commandLine(command) : `${PROGRAM} --help`)}\n`);
      return 2;
    }
    if (error instanceof OperatorRequestError) {
      io.stderr(`error: ${error.message}${error.status ? ` (HTTP ${error.status})` : ''}\n`);
      if (wantsJson) io.stdout(JSON.stringify(error.body !== undefined && typeof error.body === 'object' ? error.body : { error: { code: 'request_failed', message: error.message } }) + '\n');
      return 1;
    }
    io.stderr(`error: ${(error as Error).message ?? String(error)}\n`);
    if (wantsJson) io.stdout(JSON.stringify({ error: { code: 'failed', message: (error as Error).message ?? String(error) } }) + '\n');
    return 1;
  }
}

const invokedDirectly = (() => {
  try {
    return process.argv[1] !== undefined && realpathSync(process.argv[1]) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
})();

if (invokedDirectly) {
  quietNodeVersionWarning();
  runCli(process.argv.slice(2), {
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
    env: process.env,
  }).then((code) => {
    process.exitCode = code;
  });
}
