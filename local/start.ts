import { UsageError } from './cli-args';
import { demoBanner, demoWanted } from './demo';
import { LocalSetupError } from './dynamodb-local';
import { watchLaunchers } from './launcher-watch';
import { quietNodeVersionWarning } from './quiet-warnings';
import { startTwin, type RunningTwin } from './twin';

function portFrom(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new LocalSetupError(`${name} must be a port number (0-65535), got "${raw}"`);
  return port;
}

function banner(twin: RunningTwin): string {
  const pending = Object.entries(twin.surfaces)
    .filter(([, ready]) => !ready)
    .map(([name]) => name);
  return [
    '',
    'natoma-sso local twin is running',
    `  API (SAML, sign-in, SCIM):  ${twin.apiUrl}          health: ${twin.apiUrl}/health`,
    `  Admin (operator, console):  ${twin.adminUrl}          health: ${twin.adminUrl}/health`,
    `  SP metadata / Entity ID:    ${twin.apiUrl}/saml/<tenantId>/metadata`,
    `  SCIM base URL:              ${twin.apiUrl}/scim/v2/<tenantId>`,
    `  OIDC issuer (discovery):    ${twin.apiUrl}/.well-known/openid-configuration`,
    `  Dev IdP metadata:           ${twin.apiUrl}/_dev-idp/metadata`,
    `  Data:                       ${twin.dataDir} (DynamoDB ${twin.dynamoEndpoint}, table ${twin.tableName})`,
    ...(pending.length > 0 ? [`  Not yet in this build:      ${pending.join(', ')} (answer 503)`] : []),
    '',
    'Operator CLI (in another terminal, same DATA_DIR and ADMIN_PORT):',
    '  npm run admin -- tenant create --name "Acme" --domain acme.com',
    '  npm run admin -- tenant list',
    '  npm run admin -- app create --name "My app" --redirect-uri http://127.0.0.1:4000/callback',
    '  npm run admin -- --help',
    ...(twin.demo ? [demoBanner(twin.demo, twin.dataDir)] : ['']),
    'Ctrl-C stops the twin and DynamoDB Local.',
    '',
  ].join('\n');
}

quietNodeVersionWarning();

// When whoever reads our output has gone (closed pipe), writing must not crash the twin before it stops Java.
const say = (text: string) => {
  try {
    process.stderr.write(text);
  } catch {
    // stderr closed
  }
};
for (const stream of [process.stdout, process.stderr]) stream.on('error', () => {});

async function main(): Promise<void> {
  const demo = demoWanted(process.argv.slice(2), process.env);
  const twin = await startTwin({
    dataDir: process.env.DATA_DIR || '.data',
    port: portFrom('PORT', 3000),
    adminPort: portFrom('ADMIN_PORT', 3001),
    publicUrl: process.env.PUBLIC_URL || undefined,
    adminPublicUrl: process.env.ADMIN_PUBLIC_URL || undefined,
    dynamoPort: process.env.DYNAMODB_PORT ? portFrom('DYNAMODB_PORT', 0) : undefined,
    logLevel: (process.env.LOG_LEVEL as 'debug' | 'info' | 'warn' | 'error' | undefined) ?? 'info',
    demo,
    // The stage's default app (a sign-in no app started lands in it), as OIDC_DEFAULT_CLIENT_ID sets it on AWS.
    defaultAppClientId: process.env.OIDC_DEFAULT_CLIENT_ID || undefined,
    // As the stage's EventBridge rule runs the maintenance Lambda (every 5 minutes on AWS); a minute here.
    maintenanceEveryMs: 60_000,
  });
  say(banner(twin));

  let stopping = false;
  const shutdown = (reason: string) => {
    if (stopping) return;
    stopping = true;
    say(`\n${reason}: stopping the twin...\n`);
    const force = setTimeout(() => process.exit(1), 10_000);
    force.unref();
    twin.stop().then(
      () => {
        say('stopped.\n');
        process.exit(0);
      },
      (error: unknown) => {
        say(`error while stopping: ${(error as Error).message}\n`);
        process.exit(1);
      },
    );
  };
  watchLaunchers(() => shutdown('the launching process (npm) exited'));
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGHUP', () => shutdown('SIGHUP'));
}

main().catch((error: unknown) => {
  if (error instanceof UsageError) {
    process.stderr.write(`natoma-sso twin: ${error.message}\nusage: ${error.usage}\n`);
    process.exit(2);
  }
  if (error instanceof LocalSetupError) {
    process.stderr.write(`natoma-sso twin: ${error.message}\n`);
  } else {
    process.stderr.write(`natoma-sso twin failed to start: ${error instanceof Error ? error.message : String(error)}\n`);
    if (process.env.DEBUG) process.stderr.write(`${(error as Error).stack}\n`);
  }
  process.exit(1);
});
