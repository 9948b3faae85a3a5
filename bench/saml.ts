import { randomUUID } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { DeleteTableCommand } from '@aws-sdk/client-dynamodb';
import { SAML, ValidateInResponseTo } from '@node-saml/node-saml';
import { build } from 'esbuild';
import { createDocumentClient } from '../lambdas/adapters/dynamodb/client';
import { ensureTable } from '../lambdas/adapters/dynamodb/ensure-table';
import { createDynamoAdapters } from '../lambdas/adapters/dynamodb/index';
import { systemClock } from '../lambdas/core/clock';
import { createTenant } from '../lambdas/core/tenancy/tenant-admin';
import { Logger } from '../lambdas/http/logger';
import { certificatePem } from '../lambdas/adapters/saml-metadata/idp-metadata';
import { idpMetadataSource } from '../lambdas/adapters/saml-metadata/index';
import { SamlConfiguration } from '../lambdas/core/sso/configuration';
import { createSamlHandler } from '../lambdas/saml/handler';
import { decodeSamlResponse, guardResponse } from '../lambdas/saml/response-guard';
import { validateResponse } from '../lambdas/saml/response-validator';
import { ensureSpCredential, generateSpCredential } from '../lambdas/saml/sp-credentials';
import { spUrls } from '../lambdas/core/tenancy/urls';
import { countingClient } from '../test/support/counting-client';
import { InMemorySecretStore } from '../test/support/in-memory-secret-store';
import { authnRequestOf, httpEvent } from '../test/saml/support/harness';
import { SamlifyIdp } from '../test/saml/support/samlify-idp';

const API = 'https://api.natoma.bench';
const USERS = 16;
const LOGINS = 240;
const CONCURRENCY = 16;
const ROUNDS = 10;

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
};
const round = (value: number, digits = 2): number => Math.round(value * 10 ** digits) / 10 ** digits;

async function pool<T>(items: T[], concurrency: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next < items.length) await work(items[next++]!);
  }));
}

/**
 * SAML figures: ACS throughput end to end through the handler on DynamoDB Local against bare node-saml
 * validation of the same responses in the same run, DynamoDB calls per login, median validation time
 * of a 6-7 KB response signed at both levels, and the SAML Lambda bundle (size, cold require).
 */
export async function benchSaml(endpoint: string): Promise<Record<string, unknown>> {
  const raw = createDocumentClient({ endpoint });
  const tableName = `bench-saml-${randomUUID()}`;
  await ensureTable(raw, tableName);
  try {
    const counting = countingClient(raw);
    const store = createDynamoAdapters({ db: counting.db, tableName });
    const secrets = new InMemorySecretStore();
    await ensureSpCredential(secrets, 'sp');
    // Okta signs with RSA-2048 keys.
    const idp = new SamlifyIdp({ credential: generateSpCredential('bench IdP', 365, new Date(), 2048) });
    const handle = createSamlHandler({ ...store, secrets, spSecretName: 'sp', publicBaseUrl: API, runtimeMode: 'deployed', logger: new Logger({}, 'error', () => undefined) });
    const configuration = new SamlConfiguration({ tenants: store.tenants, ephemeral: store.ephemeral, activity: store.activity, clock: systemClock, apiBaseUrl: API, metadata: idpMetadataSource({ mode: 'deployed' }) });
    const tenant = await createTenant({ tenants: store.tenants, activity: store.activity, clock: systemClock }, { name: 'Bench Co', domains: ['bench.example.com'], plan: 'paid' });
    const draft = await configuration.setMetadata(tenant.id, { xml: idp.metadata() });
    await configuration.recordTestOutcome(tenant.id, draft.configId, { status: 'passed', at: new Date().toISOString(), attributes: {}, nameId: 'bench' });
    const active = await configuration.activate(tenant.id);
    const urls = spUrls(API, tenant.id);

    // A response like Okta's with a few groups, signed on the assertion and on the response: 6-7 KB.
    const response = (i: number, inResponseTo?: string) => {
      const email = `user${i % USERS}@bench.example.com`;
      return idp.response({
        acsUrl: urls.acsUrl,
        audience: urls.spEntityId,
        inResponseTo,
        nameId: email,
        signAssertion: true,
        signResponse: true,
        attributes: { email, name: `Bench User ${i % USERS}`, firstName: 'Bench', lastName: `User ${i % USERS}`, groups: ['engineering'] },
      });
    };
    const acs = (samlResponse: string) => handle(httpEvent('POST', `/saml/${tenant.id}/acs`, { form: { SAMLResponse: samlResponse } }));

    for (let i = 0; i < USERS; i++) {
      const warm = await acs(await response(i));
      if (warm.statusCode !== 303) throw new Error(`warm-up login failed: ${warm.statusCode} ${warm.body?.slice(0, 200)}`);
    }
    const responses: string[] = [];
    for (let i = 0; i < LOGINS; i++) responses.push(await response(i));
    const sizeKb = round(decodeSamlResponse(responses[0]).length / 1024, 1);

    // DynamoDB calls of one login of an existing user, both ways in.
    const idpInitiated = await counting.measure(() => acs(responses.pop()!));
    const spInitiated = await counting.measure(async () => {
      const start = await handle(httpEvent('POST', '/signin', { form: { email: 'user1@bench.example.com' } }));
      // The same browser posts the response back: it carries the login-binding cookie /signin set.
      const cookies = (start.cookies ?? []).map((line) => line.split(';')[0]!);
      const samlResponse = await response(1, authnRequestOf(start.headers!.location!).id);
      return handle(httpEvent('POST', `/saml/${tenant.id}/acs`, { form: { SAMLResponse: samlResponse }, cookies }));
    });
    if (idpInitiated.result.statusCode !== 303 || spInitiated.result.statusCode !== 303) throw new Error('counted logins failed');

    const bare = new SAML({
      callbackUrl: urls.acsUrl,
      issuer: urls.spEntityId,
      audience: urls.spEntityId,
      idpCert: active.signingCertificates.map(certificatePem),
      idpIssuer: active.entityId,
      wantAssertionsSigned: false,
      wantAuthnResponseSigned: false,
      signatureAlgorithm: 'sha256',
      acceptedClockSkewMs: 120_000,
      validateInResponseTo: ValidateInResponseTo.never,
    });
    const sample = responses.slice(0, 200);

    // Rounds alternate bare node-saml and the handler on the same responses, so that load drift on a
    // shared machine hits both alike. Each response is one fresh login (the replay cache forbids reuse).
    let bareMs = 0;
    let handlerMs = 0;
    let failures = 0;
    counting.reset();
    const roundSize = Math.ceil(sample.length / ROUNDS);
    for (let round = 0; round < ROUNDS; round++) {
      const batch = sample.slice(round * roundSize, (round + 1) * roundSize);
      let t = performance.now();
      await pool(batch, CONCURRENCY, async (samlResponse) => void (await bare.validatePostResponseAsync({ SAMLResponse: samlResponse })));
      bareMs += performance.now() - t;
      t = performance.now();
      await pool(batch, CONCURRENCY, async (samlResponse) => {
        if ((await acs(samlResponse)).statusCode !== 303) failures++;
      });
      handlerMs += performance.now() - t;
    }
    const handlerCounts = counting.counts();

    // Validation alone (no storage): our full pipeline versus bare node-saml, one at a time.
    const ours: number[] = [];
    const plain: number[] = [];
    const keyring = JSON.parse((await secrets.get('sp'))!) as { current: { privateKeyPem: string } };
    for (const samlResponse of sample.slice(0, 100)) {
      let t = performance.now();
      await bare.validatePostResponseAsync({ SAMLResponse: samlResponse });
      plain.push(performance.now() - t);
      t = performance.now();
      const guarded = await guardResponse(decodeSamlResponse(samlResponse), [keyring.current.privateKeyPem]);
      await validateResponse(guarded, { idp: active, spEntityId: urls.spEntityId, acsUrl: urls.acsUrl, clockSkewSec: 120, now: new Date() });
      ours.push(performance.now() - t);
    }

    // What DynamoDB Local itself can serve on this machine in the same run: with N calls per login it
    // caps the handler at (calls/s / N) logins/s however fast validation is.
    const probeStart = performance.now();
    const probes = 320;
    await pool(Array.from({ length: probes }, (_, i) => i), CONCURRENCY, async () => void (await store.tenants.get(tenant.id)));
    const dynamoCallsPerSec = probes / ((performance.now() - probeStart) / 1000);

    const bareRate = sample.length / (bareMs / 1000);
    const handlerRate = sample.length / (handlerMs / 1000);
    return {
      responseKb: sizeKb,
      acsThroughput: {
        logins: sample.length,
        concurrency: CONCURRENCY,
        failures,
        handlerLoginsPerSec: round(handlerRate, 1),
        bareNodeSamlValidationsPerSec: round(bareRate, 1),
        ratio: round(handlerRate / bareRate, 3),
        target: '>= 0.8',
        dynamoLocalGetsPerSec: round(dynamoCallsPerSec, 1),
        dynamoLocalCeilingLoginsPerSec: round(dynamoCallsPerSec / (handlerCounts.total / sample.length), 1),
        ratioToCeiling: round(handlerRate / Math.min(bareRate, dynamoCallsPerSec / (handlerCounts.total / sample.length)), 3),
      },
      dynamoCallsPerLogin: {
        idpInitiatedAcs: idpInitiated.counts.total,
        idpInitiatedByCommand: idpInitiated.counts.calls,
        spInitiatedSigninAndAcs: spInitiated.counts.total,
        spInitiatedByCommand: spInitiated.counts.calls,
        averageInThroughputRun: round(handlerCounts.total / sample.length, 2),
        scanned: handlerCounts.scanned || idpInitiated.counts.scanned || spInitiated.counts.scanned,
      },
      medianValidationMs: { ours: round(median(ours)), bareNodeSaml: round(median(plain)), signedAt: 'response and assertion' },
      bundle: await samlBundle(),
    };
  } finally {
    await raw.send(new DeleteTableCommand({ TableName: tableName })).catch(() => undefined);
  }
}

async function samlBundle(): Promise<{ minifiedKb: number; coldRequireMs: number; target: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'natoma-saml-bundle-'));
  try {
    const outfile = join(dir, 'saml.cjs');
    await build({ entryPoints: ['lambdas/saml/handler.ts'], bundle: true, minify: true, platform: 'node', target: 'node22', format: 'cjs', outfile, logLevel: 'silent', external: ['@aws-sdk/*'] });
    const probe = join(dir, 'probe.cjs');
    writeFileSync(probe, `const { performance } = require('node:perf_hooks'); const t = performance.now(); require(${JSON.stringify(outfile)}); process.stdout.write(String(performance.now() - t));`);
    const times: number[] = [];
    for (let i = 0; i < 5; i++) {
      const run = spawnSync(process.execPath, [probe], { encoding: 'utf8', env: { ...process.env, NODE_PATH: join(process.cwd(), 'node_modules'), TABLE_NAME: 'bench', SP_KEY_SECRET_NAME: 'bench', AWS_REGION: 'us-east-1' } });
      const ms = Number.parseFloat(run.stdout);
      if (Number.isFinite(ms)) times.push(ms);
    }
    return { minifiedKb: round(statSync(outfile).size / 1024, 1), coldRequireMs: round(median(times), 1), target: '<= 1024 KB' };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// `npx tsx bench/saml.ts` runs this section alone on its own DynamoDB Local.
if (import.meta.url === `file://${process.argv[1]}`) {
  const { startDynamoDbLocal } = await import('../local/dynamodb-local');
  const dynamo = await startDynamoDbLocal();
  try {
    process.stdout.write(JSON.stringify(await benchSaml(dynamo.endpoint), null, 2) + '\n');
  } finally {
    await dynamo.stop();
  }
}
