import { randomUUID, X509Certificate } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { certificateBody, parseSpKeyring, type SpKeyring } from '../../lambdas/saml/sp-credentials';
import { Browserless, titleOf, type Visit } from '../../local/browserless';
import { runCli } from '../../local/cli';
import { FileSecretStore } from '../../local/file-secret-store';
import { startTwin, TWIN_SP_KEYRING_CACHE_MS, type RunningTwin } from '../../local/twin';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Must-show 4 of issue 12: `sp-key rotate` on the twin while a tenant signs in with signed AuthnRequests. */
describe('sp-key rotate end to end on the twin', { timeout: 120_000 }, () => {
  let twin: RunningTwin;
  let env: Record<string, string>;
  let tenantId: string;
  let domain: string;

  /** `npm run admin -- …` in this process; `--json` output parsed. */
  async function admin(...args: string[]): Promise<{ code: number; json: Record<string, unknown>; stderr: string }> {
    let stdout = '';
    let stderr = '';
    const code = await runCli([...args, '--json'], { stdout: (text) => (stdout += text), stderr: (text) => (stderr += text), env });
    return { code, json: stdout ? (JSON.parse(stdout) as Record<string, unknown>) : {}, stderr };
  }

  async function keyring(): Promise<SpKeyring> {
    return parseSpKeyring((await new FileSecretStore(twin.dataDir).get(twin.spKeySecretName))!);
  }

  const fingerprint = (pem: string) => new X509Certificate(pem).fingerprint256;

  async function metadataCertificates(): Promise<string> {
    const response = await fetch(`${twin.apiUrl}/saml/${tenantId}/metadata`);
    expect(response.status).toBe(200);
    return response.text();
  }

  /** The dev IdP's pages, submitted until the browser lands; returns the last page. */
  async function followForms(browser: Browserless, page: Visit, identity: Record<string, string>, until: (page: Visit) => boolean): Promise<Visit> {
    for (let step = 0; step < 5 && !until(page); step++) {
      expect(page.status, titleOf(page.body)).toBe(200);
      page = await browser.submit(page, identity);
    }
    return page;
  }

  /**
   * An SP-initiated login by the tenant's Initiate login URL: our signed AuthnRequest goes to the dev IdP,
   * which verifies it against our published metadata and names the certificate that verified it.
   */
  async function signIn(): Promise<{ verifiedWith: string }> {
    const browser = new Browserless();
    const idpForm = await browser.open(`${twin.apiUrl}/saml/${tenantId}/login`);
    expect(idpForm.status, titleOf(idpForm.body)).toBe(200);
    const verifiedWith = /data-request-signature>[^<]*<code>([^<]+)<\/code>/.exec(idpForm.body)?.[1];
    expect(verifiedWith, 'the dev IdP verified a signed AuthnRequest').toBeDefined();
    const identity = { email: `lin@${domain}`, firstName: 'Lin', lastName: 'Okafor' };
    const landed = await followForms(browser, idpForm, identity, (page) => page.url === `${twin.apiUrl}/dashboard`);
    expect(landed.url, titleOf(landed.body)).toBe(`${twin.apiUrl}/dashboard`);
    expect(landed.body).toContain('Lin Okafor');
    return { verifiedWith: verifiedWith! };
  }

  /** Runs a step once the CLI's spacing (the SAML surface's keyring cache) allows, then lets the cache expire. */
  async function rotate(step: string): Promise<Record<string, unknown>> {
    const status = await admin('sp-key', 'status');
    const notBefore = status.json.notBefore as string | undefined;
    if (notBefore) await sleep(Math.max(0, Date.parse(notBefore) - Date.now()) + 50);
    const ran = await admin('sp-key', 'rotate', '--step', step);
    expect(ran.code, ran.stderr).toBe(0);
    await sleep(TWIN_SP_KEYRING_CACHE_MS + 200);
    return ran.json;
  }

  beforeAll(async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'sp-key-rotation-'));
    twin = await startTwin({ dataDir, port: 0, adminPort: 0, dynamoEndpoint: inject('dynamoEndpoint'), tableName: `sp-key-${randomUUID()}`, logLevel: 'error', logSink: () => {} });
    env = { DATA_DIR: dataDir, ADMIN_PORT: String(twin.adminPort), ADMIN_PUBLIC_URL: '' };
    domain = `rotate-${randomUUID().slice(0, 8)}.example.com`;
    const tenant = await admin('tenant', 'create', '--name', 'Rotation Co', '--domain', domain, '--plan', 'paid');
    tenantId = tenant.json.tenantId as string;
    // The dev IdP's metadata variant that asks for signed AuthnRequests (WantAuthnRequestsSigned="true").
    const imported = await admin('sso', 'set-metadata', '--tenant', tenantId, '--url', `${twin.apiUrl}/_dev-idp/metadata/signed-requests`);
    expect(imported.code, imported.stderr).toBe(0);
    const { json } = await admin('sso', 'test', '--tenant', tenantId);
    const browser = new Browserless();
    const passed = await followForms(browser, await browser.open(String(json.testUrl)), { email: `admin@${domain}` }, (page) => page.body.includes('Test SAML passed'));
    expect(passed.body).toContain('Test SAML passed');
    const activated = await admin('sso', 'activate', '--tenant', tenantId);
    expect(activated.code, activated.stderr).toBe(0);
  }, 120_000);

  afterAll(async () => {
    await twin?.stop();
    if (twin) await rm(twin.dataDir, { recursive: true, force: true });
  });

  it('keeps the tenant signing in through generate, promote (signed AuthnRequest during the overlap) and retire', async () => {
    const original = (await keyring()).current;
    const before = await admin('sp-key', 'status');
    expect(before.json).toMatchObject({ stage: 'single', nextStep: 'generate', keys: [{ role: 'current', fingerprintSha256: fingerprint(original.certificatePem) }] });
    expect((await signIn()).verifiedWith).toBe(fingerprint(original.certificatePem));

    // Out of order: nothing to promote or retire yet; the message names the step to run first.
    const early = await admin('sp-key', 'rotate', '--step', 'retire');
    expect(early.code).toBe(1);
    expect(early.stderr).toContain('--step generate` first');

    // generate: both certificates published; requests still signed with the current key.
    const generated = await rotate('generate');
    const next = (await keyring()).next!;
    expect(generated).toMatchObject({ ran: 'generate', stage: 'next-published', nextStep: 'promote' });
    expect(generated.keys).toMatchObject([{ role: 'current' }, { role: 'next', fingerprintSha256: fingerprint(next.certificatePem) }]);
    let metadata = await metadataCertificates();
    expect(metadata).toContain('AuthnRequestsSigned="true"');
    expect(metadata).toContain(certificateBody(original.certificatePem));
    expect(metadata).toContain(certificateBody(next.certificatePem));
    expect((await signIn()).verifiedWith).toBe(fingerprint(original.certificatePem));
    const twice = await admin('sp-key', 'rotate', '--step', 'generate');
    expect(twice.code).toBe(1);
    expect(twice.stderr).toContain('--step promote` first');

    // promote: the new key signs; the old one is still published (overlap).
    const promoted = await rotate('promote');
    expect(promoted).toMatchObject({ ran: 'promote', stage: 'overlap', nextStep: 'retire', keys: [{ role: 'current', fingerprintSha256: fingerprint(next.certificatePem) }, { role: 'previous', fingerprintSha256: fingerprint(original.certificatePem) }] });
    metadata = await metadataCertificates();
    expect(metadata).toContain(certificateBody(original.certificatePem));
    expect((await signIn()).verifiedWith).toBe(fingerprint(next.certificatePem));

    // retire: only the new certificate is left, and sign-in goes on.
    const retired = await rotate('retire');
    expect(retired).toMatchObject({ ran: 'retire', stage: 'single', keys: [{ role: 'current', fingerprintSha256: fingerprint(next.certificatePem) }] });
    metadata = await metadataCertificates();
    expect(metadata).not.toContain(certificateBody(original.certificatePem));
    expect(metadata).toContain(certificateBody(next.certificatePem));
    expect((await signIn()).verifiedWith).toBe(fingerprint(next.certificatePem));
    expect(await keyring()).toEqual({ current: next, lastStep: { step: 'retire', at: expect.any(String) } });
  });
});
