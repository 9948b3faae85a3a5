import { createPrivateKey, X509Certificate } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { SecretStore } from '../../lambdas/core/secrets';
import { ensureSpCredential, generateSpCredential, parseSpKeyring, SpKeyringProvider } from '../../lambdas/saml/sp-credentials';

class MemorySecrets implements SecretStore {
  readonly values = new Map<string, string>();
  reads = 0;
  async get(name: string) {
    this.reads++;
    return this.values.get(name);
  }
  async put(name: string, value: string) {
    this.values.set(name, value);
  }
  async delete(name: string) {
    this.values.delete(name);
  }
}

describe('generateSpCredential', () => {
  const credential = generateSpCredential('natoma-sso test SP', 30);

  it('produces a self-signed X.509 v3 certificate that verifies with its own key', () => {
    const certificate = new X509Certificate(credential.certificatePem);
    expect(certificate.subject).toBe('CN=natoma-sso test SP');
    expect(certificate.checkIssued(certificate)).toBe(true);
    expect(certificate.verify(certificate.publicKey)).toBe(true);
    expect(certificate.publicKey.asymmetricKeyDetails?.modulusLength).toBeGreaterThanOrEqual(2048);
    expect(certificate.ca).toBe(false);
  });

  it('is signed with sha256WithRSAEncryption and valid for the requested days', () => {
    const certificate = new X509Certificate(credential.certificatePem);
    expect(certificate.toLegacyObject().asn1Curve).toBeUndefined();
    const notAfter = new Date(certificate.validTo).getTime();
    expect(Math.abs(notAfter - new Date(credential.notAfter).getTime())).toBeLessThan(1000);
    expect(notAfter - Date.now()).toBeGreaterThan(29 * 86_400_000);
    expect(certificate.checkPrivateKey(createPrivateKey(credential.privateKeyPem))).toBe(true);
  });

  it('uses GeneralizedTime past 2049', () => {
    const long = generateSpCredential('long', 365 * 40);
    expect(new Date(new X509Certificate(long.certificatePem).validTo).getUTCFullYear()).toBeGreaterThanOrEqual(2060);
  });
});

describe('SP keyring secret', () => {
  it('creates the secret once and reads it back through a cache', async () => {
    const secrets = new MemorySecrets();
    const created = await ensureSpCredential(secrets, 'sp');
    const again = await ensureSpCredential(secrets, 'sp');
    expect(again.current.certificatePem).toBe(created.current.certificatePem);
    const provider = new SpKeyringProvider(secrets, 'sp');
    secrets.reads = 0;
    await provider.get();
    await provider.get();
    expect(secrets.reads).toBe(1);
  });

  it('refuses a key that does not match its certificate', () => {
    const a = generateSpCredential('a');
    const b = generateSpCredential('b');
    expect(() => parseSpKeyring(JSON.stringify({ current: { privateKeyPem: a.privateKeyPem, certificatePem: b.certificatePem } }))).toThrow(/does not match/);
    expect(() => parseSpKeyring('nope')).toThrow(/not JSON/);
  });
});
