import { GetSecretValueCommand, PutSecretValueCommand, SecretsManagerClient, SecretsManagerServiceException } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import type { SecretStore } from '../../lambdas/core/secrets';
import { generateSpCredential, parseSpKeyring, SP_KEYRING_CACHE_MS, SpKeyringProvider } from '../../lambdas/saml/sp-credentials';
import { runCli } from '../../local/cli';

const SECRET = 'natoma-sso/prod/sp-credential';
const current = (({ privateKeyPem, certificatePem }) => ({ privateKeyPem, certificatePem }))(generateSpCredential('natoma-sso prod SP', 3650, new Date(), 2048));

async function cli(...args: string[]) {
  let stdout = '';
  let stderr = '';
  const code = await runCli(args, { stdout: (text) => (stdout += text), stderr: (text) => (stderr += text), env: { AWS_REGION: 'eu-west-1' } });
  return { code, stdout, stderr };
}

/** The deployed path: the operator's own credentials, straight on Secrets Manager (no Lambda writes the SP key). */
describe('sp-key against a deployed stage (Secrets Manager, mocked)', () => {
  const sm = mockClient(SecretsManagerClient);
  beforeEach(() => sm.reset());

  it('reports status from the secret named by --secret-id, without key material', async () => {
    sm.on(GetSecretValueCommand, { SecretId: SECRET }).resolves({ SecretString: JSON.stringify({ current }) });
    const { code, stdout } = await cli('sp-key', 'status', '--secret-id', SECRET, '--json');
    expect(code).toBe(0);
    const status = JSON.parse(stdout);
    expect(status).toMatchObject({ secret: SECRET, where: 'Secrets Manager (eu-west-1)', stage: 'single', nextStep: 'generate', keys: [{ role: 'current', subject: 'CN=natoma-sso prod SP' }] });
    expect(status.keys[0].daysLeft).toBeGreaterThan(3600);
    expect(stdout).not.toContain('PRIVATE KEY');
  });

  it('writes the generated next key with PutSecretValue, keeping current, and prints no private key', async () => {
    sm.on(GetSecretValueCommand).resolves({ SecretString: JSON.stringify({ current }) });
    sm.on(PutSecretValueCommand).resolves({});
    const { code, stdout } = await cli('sp-key', 'rotate', '--step', 'generate', '--secret-id', SECRET);
    expect(code).toBe(0);
    expect(stdout).toContain('Generated a next key');
    expect(stdout).not.toContain('PRIVATE KEY');
    const written = sm.commandCalls(PutSecretValueCommand)[0]!.args[0].input;
    expect(written.SecretId).toBe(SECRET);
    const keyring = parseSpKeyring(written.SecretString!);
    expect(keyring.current).toEqual(current);
    expect(keyring.next?.certificatePem).not.toBe(current.certificatePem);
    expect(keyring.lastStep?.step).toBe('generate');
  });

  it('refuses promote within the 5-minute keyring cache of the SAML Lambda, writing nothing', async () => {
    const next = generateSpCredential('natoma-sso prod SP', 3650, new Date(), 2048);
    sm.on(GetSecretValueCommand).resolves({ SecretString: JSON.stringify({ current, next, lastStep: { step: 'generate', at: new Date().toISOString() } }) });
    const { code, stderr } = await cli('sp-key', 'rotate', '--step', 'promote', '--secret-id', SECRET);
    expect(code).toBe(1);
    expect(stderr).toMatch(/keep the keyring for up to 300 s, so promote can run from/);
    expect(sm.commandCalls(PutSecretValueCommand)).toHaveLength(0);
  });

  it('names the IAM actions the operator needs when AWS refuses', async () => {
    sm.on(GetSecretValueCommand).rejects(new SecretsManagerServiceException({ name: 'AccessDeniedException', $fault: 'client', $metadata: {}, message: 'not authorized to perform: secretsmanager:GetSecretValue' }));
    const { code, stderr } = await cli('sp-key', 'status', '--secret-id', SECRET);
    expect(code).toBe(1);
    expect(stderr).toContain('needs secretsmanager:GetSecretValue and secretsmanager:PutSecretValue');
  });

  it('refuses the operator URL: no Lambda may write the SP key', async () => {
    const { code, stderr } = await cli('sp-key', 'status', '--url', 'https://abc.lambda-url.eu-west-1.on.aws/');
    expect(code).toBe(2);
    expect(stderr).toContain('sp-key does not go through the operator API');
  });
});

describe('SpKeyringProvider picks a rotation up within its cache time', () => {
  it('serves the cached ring until SP_KEYRING_CACHE_MS has passed, then the rotated one', async () => {
    // Prepare
    const values = new Map([[SECRET, JSON.stringify({ current })]]);
    const store: SecretStore = { get: async (name) => values.get(name), put: async (name, value) => void values.set(name, value), delete: async () => undefined };
    let now = Date.parse('2026-11-30T10:00:00Z');
    const provider = new SpKeyringProvider(store, SECRET, { now: () => new Date(now) });
    expect((await provider.get()).next).toBeUndefined();
    // Act
    const next = generateSpCredential('natoma-sso prod SP', 3650, new Date(), 2048);
    values.set(SECRET, JSON.stringify({ current, next }));
    now += SP_KEYRING_CACHE_MS - 1;
    const stale = await provider.get();
    now += 1;
    const fresh = await provider.get();
    // Assess
    expect(stale.next).toBeUndefined();
    expect(fresh.next?.certificatePem).toBe(next.certificatePem);
  });
});
