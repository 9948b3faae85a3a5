import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { parseFlags, UsageError, type FlagSpec } from '../../local/cli-args';
import { startTwin, type RunningTwin } from '../../local/twin';
import { settleTwin } from '../support/dynamo';

const TSX = join(process.cwd(), 'node_modules', '.bin', 'tsx');

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function cli(args: string[], env: Record<string, string>): Promise<Run> {
  return new Promise((resolve) => {
    execFile(TSX, ['local/cli.ts', ...args], { env: { ...process.env, ...env, NODE_NO_WARNINGS: '1' }, timeout: 60_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

// Each case spawns `tsx local/cli.ts` (as `npm run admin` does), a few seconds apiece on a busy machine.
describe('operator CLI against an in-process twin', { timeout: 180_000 }, () => {
  let twin: RunningTwin;
  let env: Record<string, string>;

  beforeAll(async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'natoma-cli-'));
    twin = await startTwin({ dataDir, port: 0, adminPort: 0, dynamoEndpoint: inject('dynamoEndpoint'), tableName: `twin-${randomUUID()}`, logSink: () => {} });
    env = { DATA_DIR: dataDir, ADMIN_PORT: String(twin.adminPort), ADMIN_PUBLIC_URL: '' };
  }, 120_000);
  afterAll(async () => {
    await twin?.stop();
    await rm(twin.dataDir, { recursive: true, force: true });
  });

  it('creates, lists, shows and upgrades a tenant with --json', async () => {
    const created = await cli(['tenant', 'create', '--name', 'Acme', '--domain', 'acme.example', '--domain', 'acme-corp.example', '--json'], env);
    expect(created.code).toBe(0);
    const tenant = JSON.parse(created.stdout);
    expect(tenant.tenantId).toMatch(/^t[a-z0-9]{12}$/);
    expect(tenant.urls.spEntityId).toBe(`${twin.apiUrl}/saml/${tenant.tenantId}/metadata`);

    // The tenant listing is a GSI (eventually consistent by design): a new tenant shows within a second.
    await settleTwin();
    const listed = JSON.parse((await cli(['tenant', 'list', '--json'], env)).stdout);
    expect(listed.tenants.map((t: { tenantId: string }) => t.tenantId)).toContain(tenant.tenantId);
    // A twin started for a test has no demo tenant unless the test asks for one.
    expect(twin.demo).toBeUndefined();
    expect(listed.tenants.filter((t: { domains: string[] }) => t.domains.includes('acme.test'))).toEqual([]);

    const shown = JSON.parse((await cli(['tenant', 'show', '--tenant', tenant.tenantId, '--json'], env)).stdout);
    expect(shown).toMatchObject({ name: 'Acme', plan: 'trial', domains: ['acme.example', 'acme-corp.example'] });

    const upgraded = JSON.parse((await cli(['tenant', 'upgrade', '--tenant', tenant.tenantId, '--json'], env)).stdout);
    expect(upgraded.plan).toBe('paid');
  });

  it('prints friendly text without --json', async () => {
    const created = await cli(['tenant', 'create', '--name', 'Beta', '--domain', 'beta.example', '--plan', 'paid'], env);
    expect(created.code).toBe(0);
    expect(created.stdout).toMatch(/^Created tenant Beta \(t[a-z0-9]{12}\)/);
    expect(created.stdout).toContain('plan:     paid');
    await settleTwin(); // the tenant listing is a GSI, as above
    const listed = await cli(['tenant', 'list'], env);
    expect(listed.stdout).toMatch(/^TENANT\s+PLAN\s+SSO\s+SCIM\s+NAME\s+DOMAINS/);
    expect(listed.stdout).toContain('beta.example');
  });

  it('configures SSO from the dev IdP metadata URL and reports status and a test URL', async () => {
    const tenant = JSON.parse((await cli(['tenant', 'create', '--name', 'Sso', '--domain', 'sso.example', '--json'], env)).stdout);
    const imported = await cli(['sso', 'set-metadata', '--tenant', tenant.tenantId, '--url', `${twin.apiUrl}/_dev-idp/metadata`, '--json'], env);
    expect(imported.stderr).toBe('');
    expect(JSON.parse(imported.stdout).draft.entityId).toBe(`${twin.apiUrl}/_dev-idp/metadata`);
    const status = JSON.parse((await cli(['sso', 'status', '--tenant', tenant.tenantId, '--json'], env)).stdout);
    expect(status).toMatchObject({
      spEntityId: `${twin.apiUrl}/saml/${tenant.tenantId}/metadata`,
      spMetadataUrl: `${twin.apiUrl}/saml/${tenant.tenantId}/metadata`,
      acsUrl: `${twin.apiUrl}/saml/${tenant.tenantId}/acs`,
      signInUrl: `${twin.apiUrl}/signin`,
      initiateLoginUrl: `${twin.apiUrl}/saml/${tenant.tenantId}/login`,
      draft: { entityId: `${twin.apiUrl}/_dev-idp/metadata` },
      canActivate: false,
    });
    const test = JSON.parse((await cli(['sso', 'test', '--tenant', tenant.tenantId, '--json'], env)).stdout);
    expect(test.testUrl).toMatch(new RegExp(`^${twin.apiUrl}/saml/${tenant.tenantId}/test\\?ticket=`));
    const activate = await cli(['sso', 'activate', '--tenant', tenant.tenantId], env);
    expect(activate.code).toBe(1);
    expect(activate.stderr).toContain('has not been tested');
    const metadata = await fetch(status.spMetadataUrl);
    expect(metadata.status).toBe(200);
    expect(await metadata.text()).toContain(`entityID="${status.spEntityId}"`);
  });

  it('enables SCIM, issues a token that the SCIM endpoint accepts, lists and revokes it', async () => {
    const tenant = JSON.parse((await cli(['tenant', 'create', '--name', 'Scim', '--domain', 'scim.example', '--json'], env)).stdout);
    const enabled = JSON.parse((await cli(['scim', 'enable', '--tenant', tenant.tenantId, '--json'], env)).stdout);
    expect(enabled.baseUrl).toBe(`${twin.apiUrl}/scim/v2/${tenant.tenantId}`);
    const created = JSON.parse((await cli(['scim', 'token', 'create', '--tenant', tenant.tenantId, '--json'], env)).stdout);
    expect(created.token).toMatch(/^natoma_scim_/);
    expect(created.tokenId).toBeTruthy();
    const users = await fetch(`${enabled.baseUrl}/Users?filter=${encodeURIComponent('userName eq "nobody@scim.example"')}`, { headers: { authorization: `Bearer ${created.token}` } });
    expect(users.status).toBe(200);
    expect((await users.json()).totalResults).toBe(0);
    const listed = JSON.parse((await cli(['scim', 'token', 'list', '--tenant', tenant.tenantId, '--json'], env)).stdout);
    expect(listed.tokens.map((t: { tokenId: string }) => t.tokenId)).toEqual([created.tokenId]);
    expect(listed.stdout ?? JSON.stringify(listed)).not.toContain(created.token);
    const revoked = await cli(['scim', 'token', 'revoke', '--tenant', tenant.tenantId, '--token-id', created.tokenId], env);
    expect(revoked.code).toBe(0);
    expect(revoked.stdout).toContain('revoked');
    const disabled = JSON.parse((await cli(['scim', 'disable', '--tenant', tenant.tenantId, '--json'], env)).stdout);
    expect(disabled.enabled).toBe(false);
  });

  it('exits 2 naming a missing flag, with a usage hint', async () => {
    const run = await cli(['tenant', 'create', '--name', 'X'], env);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('missing --domain');
    expect(run.stderr).toContain('usage: npm run admin -- tenant create');
    expect(run.stdout).toBe('');
  });

  it('exits 2 for an unknown flag, a bad choice or an unknown command', async () => {
    expect((await cli(['tenant', 'show', '--tenant', 't1', '--colour'], env)).stderr).toContain('unknown flag --colour');
    const plan = await cli(['tenant', 'create', '--name', 'X', '--domain', 'x.example', '--plan', 'gold'], env);
    expect(plan.code).toBe(2);
    expect(plan.stderr).toContain('--plan must be one of trial, paid');
    const unknown = await cli(['tenant', 'delete'], env);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('did you mean');
    const both = await cli(['sso', 'set-metadata', '--tenant', 't1', '--url', 'https://x', '--file', 'f'], env);
    expect(both.code).toBe(2);
    expect(both.stderr).toContain('only one of --url or --file');
  });

  it("exits 1 with the server's message when the request fails", async () => {
    await cli(['tenant', 'create', '--name', 'Dup', '--domain', 'dup.example'], env);
    const run = await cli(['tenant', 'create', '--name', 'Dup2', '--domain', 'DUP.example', '--json'], env);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/dup\.example.*(HTTP 409)/);
    expect(JSON.parse(run.stdout).error.code).toBe('conflict');
    const missing = await cli(['tenant', 'show', '--tenant', 'tzzzzzzzzzzzz'], env);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('does not exist');
  });

  it('exits 1 with a hint when the operator key is wrong', async () => {
    const other = await mkdtemp(join(tmpdir(), 'natoma-cli-key-'));
    await writeFile(join(other, 'operator.key'), 'x'.repeat(43));
    const run = await cli(['tenant', 'list'], { ...env, DATA_DIR: other });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('operator key');
    await rm(other, { recursive: true, force: true });
  });

  it('prints general and per-command help', async () => {
    const general = await cli(['--help'], env);
    expect(general.code).toBe(0);
    expect(general.stdout).toContain('tenant create');
    expect(general.stdout).toContain('scim token revoke');
    const one = await cli(['tenant', 'create', '--help'], env);
    expect(one.code).toBe(0);
    expect(one.stdout).toContain('--domain');
  });
});

describe('operator CLI against a deployed stack (--url)', { timeout: 60_000 }, () => {
  let server: Server;
  let url: string;
  const seen: { method?: string; url?: string; headers?: IncomingHttpHeaders; body?: string }[] = [];
  beforeAll(async () => {
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        seen.push({ method: req.method, url: req.url, headers: req.headers, body });
        res.setHeader('content-type', 'application/json');
        res.statusCode = 201;
        res.end(JSON.stringify({ tenantId: 'tabcdefghjkmn', name: 'Signed', plan: 'trial', domains: ['signed.example'] }));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('signs requests with SigV4 for the lambda service', async () => {
    const run = await cli(['tenant', 'create', '--name', 'Signed', '--domain', 'signed.example', '--url', url, '--region', 'eu-west-1', '--json'], {
      AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE',
      AWS_SECRET_ACCESS_KEY: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
      AWS_SESSION_TOKEN: 'session-token',
      AWS_PROFILE: '',
    });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout).tenantId).toBe('tabcdefghjkmn');
    const request = seen.at(-1)!;
    expect(request.method).toBe('POST');
    expect(request.url).toBe('/operator/tenants');
    expect(request.headers?.authorization).toMatch(/^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/\d{8}\/eu-west-1\/lambda\/aws4_request, SignedHeaders=[^,]*host[^,]*, Signature=[0-9a-f]{64}$/);
    expect(request.headers?.['x-amz-security-token']).toBe('session-token');
    expect(request.headers?.['x-amz-content-sha256'] ?? request.headers?.['x-amz-date']).toBeTruthy();
    expect(request.headers?.['x-natoma-operator-key']).toBeUndefined();
    expect(JSON.parse(request.body!)).toEqual({ name: 'Signed', domains: ['signed.example'] });
  });
});

describe('flag parsing (node:util parseArgs underneath)', () => {
  const specs: FlagSpec[] = [
    { name: 'name', kind: 'string', required: true, placeholder: 'NAME', description: 'the company name' },
    { name: 'domain', kind: 'strings', placeholder: 'DOMAIN', description: 'a domain' },
    { name: 'plan', kind: 'string', choices: ['trial', 'paid'], description: 'the plan' },
    { name: 'json', kind: 'boolean', description: 'JSON output' },
    { name: 'help', kind: 'boolean', short: 'h', description: 'help' },
  ];
  const failure = (args: string[]) => {
    try {
      parseFlags(args, specs, 'usage line');
    } catch (error) {
      expect(error).toBeInstanceOf(UsageError);
      expect((error as UsageError).usage).toBe('usage line');
      return (error as Error).message;
    }
    throw new Error(`${args.join(' ')} was accepted`);
  };

  it('reads --flag value, --flag=value, repeated flags and booleans', () => {
    expect(parseFlags(['--name=Acme', '--domain', 'a.example', '--domain=b.example', '--json'], specs)).toEqual({ name: 'Acme', domain: ['a.example', 'b.example'], json: true });
  });

  it('takes -h for help and then asks for no required flag', () => {
    expect(parseFlags(['-h'], specs)).toEqual({ help: true });
  });

  it('names the flag in every refusal', () => {
    expect(failure(['--name'])).toBe('--name needs a value (NAME)');
    expect(failure(['--name', '--json'])).toBe('--name needs a value (NAME)');
    expect(failure(['--name', 'A', '--json=yes'])).toBe('--json takes no value');
    expect(failure(['--name', 'A', '--name', 'B'])).toBe('--name given twice');
    expect(failure(['--name='])).toBe('--name must not be empty');
    expect(failure(['--name', 'A', 'stray'])).toBe('unexpected argument "stray"');
    expect(failure(['--name', 'A', '-q'])).toBe('unknown flag -q');
    expect(failure(['--json'])).toBe('missing --name NAME (the company name)');
    expect(failure(['--name', 'A', '--plan', 'gold'])).toBe('--plan must be one of trial, paid, got "gold"');
  });
});
