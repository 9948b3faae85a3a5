import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { startDynamoDbLocal } from '../local/dynamodb-local';
import { benchBundles } from './bundles';
import { benchConsole } from './console';
import { benchOidc } from './oidc';
import { benchEvents } from './events';
import { benchOktaLifecycle } from './okta-lifecycle';
import { benchSaml } from './saml';
import { benchScim } from './scim';
import { benchStorage } from './storage';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

type Section = (endpoint: string) => Promise<unknown>;

// Each section measures its figures against a baseline taken in the same run (shared machines are noisy).
const sections: Record<string, Section> = {
  storage: (endpoint) => benchStorage(endpoint),
  scim: (endpoint) => benchScim(endpoint),
  saml: (endpoint) => benchSaml(endpoint),
  console: (endpoint) => benchConsole(endpoint),
  bundles: () => benchBundles(),
  // Okta's lifecycle over HTTP on the faithful twin; OKTA_BENCH_MEMBERS sizes its large group.
  okta: (endpoint) => benchOktaLifecycle(endpoint),
  // OIDC logins (first, with a session) beside the SAML login they wrap, on a twin in this process.
  oidc: (endpoint) => benchOidc(endpoint),
  // Directory events forwarded per second on the twin (stream reader → events.ndjson); EVENTS_BENCH_SIZES=200,1000.
  events: (endpoint) => benchEvents(endpoint),
};

async function main(): Promise<void> {
  const wanted = process.argv.slice(2).filter((arg) => !arg.startsWith('-'));
  const unknown = wanted.filter((name) => !(name in sections));
  if (unknown.length > 0) {
    process.stderr.write(`unknown bench section(s): ${unknown.join(', ')}; choose from: ${Object.keys(sections).join(', ')}\n`);
    process.exit(2);
  }
  const chosen = wanted.length > 0 ? wanted : Object.keys(sections);
  const dynamo = await startDynamoDbLocal();
  const results: Record<string, unknown> = {
    machine: { node: process.version, cpus: cpus().length, cpuModel: cpus()[0]?.model },
    startedAt: new Date().toISOString(),
  };
  try {
    for (const name of chosen) {
      process.stderr.write(`bench: ${name}...\n`);
      const started = Date.now();
      results[name] = await sections[name]!(dynamo.endpoint);
      process.stderr.write(`bench: ${name} done in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
    }
  } finally {
    await dynamo.stop();
  }
  mkdirSync('bench-results', { recursive: true });
  writeFileSync('bench-results/latest.json', JSON.stringify(results, null, 2));
  process.stdout.write(JSON.stringify(results, null, 2) + '\n');
}

main().catch((error: unknown) => {
  process.stderr.write(`bench failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
