import { createHash, createPrivateKey, generateKeyPairSync, randomBytes, sign, X509Certificate } from 'node:crypto';
import type { Clock } from '../core/clock';
import { systemClock } from '../core/clock';
import type { SecretStore } from '../core/secrets';
import { ROTATION_STEPS, type RotatingKeyring, type RotationStep } from '../core/sso/sp-key-rotation';
import { bitString, boolean, explicit, nullValue, objectIdentifier, octetString, sequence, set, smallInteger, time, unsignedInteger, utf8String } from './der';

/** The SP's key pair and self-signed certificate, PEM. */
export interface SpCredential {
  readonly privateKeyPem: string;
  readonly certificatePem: string;
}

/**
 * What the SP key secret holds: metadata publishes every certificate of the ring, decryption tries every
 * key, signing uses `current` (rotation stages: core/sso/sp-key-rotation.ts).
 */
export type SpKeyring = RotatingKeyring<SpCredential>;

const SHA256_WITH_RSA = '1.2.840.113549.1.1.11';
const COMMON_NAME = '2.5.4.3';
const BASIC_CONSTRAINTS = '2.5.29.19';
const KEY_USAGE = '2.5.29.15';
const SUBJECT_KEY_IDENTIFIER = '2.5.29.14';

/**
 * A fresh RSA key (3072 bits unless told; at least 2048) and a self-signed X.509 v3 certificate
 * (sha256WithRSAEncryption) usable for signing AuthnRequests and receiving encrypted assertions.
 */
export function generateSpCredential(commonName: string, validDays = 3650, now: Date = new Date(), modulusLength = 3072): SpCredential & { notAfter: string } {
  if (modulusLength < 2048) throw new Error(`RSA keys need at least 2048 bits, got ${modulusLength}`);
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength });
  const spki = publicKey.export({ type: 'spki', format: 'der' });
  const notBefore = new Date(Math.floor(now.getTime() / 1000) * 1000 - 5 * 60_000);
  const notAfter = new Date(notBefore.getTime() + validDays * 86_400_000);
  const name = sequence(set(sequence(objectIdentifier(COMMON_NAME), utf8String(commonName.slice(0, 64)))));
  const algorithm = sequence(objectIdentifier(SHA256_WITH_RSA), nullValue());
  // The key identifier is the SHA-1 of the subjectPublicKey bits (RFC 5280 §4.2.1.2, method 1): an identifier, not a signature.
  const keyId = createHash('sha1').update(subjectPublicKeyBits(spki)).digest();
  const serial = randomBytes(16);
  serial[0] = serial[0]! & 0x7f;
  const extensions = sequence(
    sequence(objectIdentifier(BASIC_CONSTRAINTS), boolean(true), octetString(sequence())),
    // digitalSignature (0), keyEncipherment (2), dataEncipherment (3) and, being self-signed, keyCertSign (5): 1011 01xx.
    sequence(objectIdentifier(KEY_USAGE), boolean(true), octetString(bitString(Buffer.from([0xb4]), 2))),
    sequence(objectIdentifier(SUBJECT_KEY_IDENTIFIER), octetString(octetString(keyId))),
  );
  const tbs = sequence(explicit(0, smallInteger(2)), unsignedInteger(serial), algorithm, name, sequence(time(notBefore), time(notAfter)), name, spki, explicit(3, extensions));
  const signature = sign('sha256', tbs, privateKey);
  const der = sequence(tbs, algorithm, bitString(signature));
  return {
    privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    certificatePem: toPem(der, 'CERTIFICATE'),
    notAfter: notAfter.toISOString(),
  };
}

function subjectPublicKeyBits(spki: Buffer): Buffer {
  // SubjectPublicKeyInfo ::= SEQUENCE { algorithm, BIT STRING }: the BIT STRING is the last TLV.
  const cert = spki;
  let offset = 0;
  const readHeader = (at: number) => {
    const first = cert[at + 1]!;
    if (first < 0x80) return { header: 2, length: first };
    const n = first & 0x7f;
    let len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + cert[at + 2 + i]!;
    return { header: 2 + n, length: len };
  };
  const outer = readHeader(0);
  offset = outer.header;
  const algorithm = readHeader(offset);
  offset += algorithm.header + algorithm.length;
  const bits = readHeader(offset);
  return cert.subarray(offset + bits.header + 1, offset + bits.header + bits.length);
}

export function toPem(der: Buffer, label: string): string {
  const lines = der.toString('base64').match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n`;
}

/** Base64 DER of a PEM certificate, as metadata's X509Certificate element carries it. */
export function certificateBody(pem: string): string {
  return pem.replace(/-----(BEGIN|END) [A-Z ]+-----/g, '').replace(/\s+/g, '');
}

/** Checks a secret value and returns the keyring; throws with a plain message when it is malformed. */
export function parseSpKeyring(value: string): SpKeyring {
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    throw new Error('the SP key secret is not JSON: expected {"current":{"privateKeyPem","certificatePem"},"next"?:{...},"previous"?:{...}}');
  }
  const read = (entry: unknown, which: string): SpCredential => {
    const candidate = entry as Partial<SpCredential> | undefined;
    if (!candidate || typeof candidate.privateKeyPem !== 'string' || typeof candidate.certificatePem !== 'string') {
      throw new Error(`the SP key secret has no valid "${which}" entry with privateKeyPem and certificatePem`);
    }
    const certificate = new X509Certificate(candidate.certificatePem);
    const key = createPrivateKey(candidate.privateKeyPem);
    if (!certificate.checkPrivateKey(key)) throw new Error(`the SP key secret's "${which}" private key does not match its certificate`);
    return { privateKeyPem: candidate.privateKeyPem, certificatePem: candidate.certificatePem };
  };
  const record = parsed as { current?: unknown; next?: unknown; previous?: unknown; lastStep?: { step?: unknown; at?: unknown } };
  const current = read(record.current, 'current');
  const optional = (which: 'next' | 'previous') => (record[which] === undefined || record[which] === null ? {} : { [which]: read(record[which], which) });
  const step = record.lastStep;
  const lastStep = step && ROTATION_STEPS.includes(step.step as RotationStep) && typeof step.at === 'string' ? { lastStep: { step: step.step as RotationStep, at: step.at } } : {};
  return { current, ...optional('next'), ...optional('previous'), ...lastStep };
}

/** Every private key of the ring, current first: decryption tries each (an IdP may encrypt to any published certificate). */
export const decryptionKeysOf = (keyring: SpKeyring): string[] => [keyring.current, keyring.next, keyring.previous].flatMap((credential) => (credential ? [credential.privateKeyPem] : []));

/** Every certificate of the ring, current first, as SP metadata publishes them. */
export const publishedCertificatesOf = (keyring: SpKeyring): string[] => [keyring.current, keyring.next, keyring.previous].flatMap((credential) => (credential ? [credential.certificatePem] : []));

/** How long a SAML Lambda container keeps the keyring it read: a rotation step reaches every container within this time. */
export const SP_KEYRING_CACHE_MS = 5 * 60_000;

/** Reads the SP keyring from the SecretStore and keeps it for `ttlMs` (one Secrets Manager call per container every few minutes). */
export class SpKeyringProvider {
  private cached?: { keyring: SpKeyring; until: number };
  private pending?: Promise<SpKeyring>;

  constructor(
    private readonly secrets: SecretStore,
    private readonly secretName: string,
    private readonly clock: Clock = systemClock,
    private readonly ttlMs = SP_KEYRING_CACHE_MS,
  ) {}

  async get(): Promise<SpKeyring> {
    const now = this.clock.now().getTime();
    if (this.cached && this.cached.until > now) return this.cached.keyring;
    this.pending ??= this.load(now).finally(() => (this.pending = undefined));
    return this.pending;
  }

  private async load(now: number): Promise<SpKeyring> {
    const value = await this.secrets.get(this.secretName);
    if (value === undefined) throw new Error(`the SP key secret "${this.secretName}" does not exist`);
    const keyring = parseSpKeyring(value);
    this.cached = { keyring, until: now + this.ttlMs };
    return keyring;
  }
}

/** Creates the SP keyring secret when it is missing (the local twin on first start); returns the stored keyring. */
export async function ensureSpCredential(secrets: SecretStore, name: string, commonName = 'natoma-sso SP'): Promise<SpKeyring> {
  const existing = await secrets.get(name);
  if (existing !== undefined) return parseSpKeyring(existing);
  const { privateKeyPem, certificatePem } = generateSpCredential(commonName);
  const keyring: SpKeyring = { current: { privateKeyPem, certificatePem } };
  await secrets.put(name, JSON.stringify(keyring));
  return keyring;
}
