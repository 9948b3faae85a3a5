import { calculateJwkThumbprint, exportJWK, generateKeyPair } from 'jose';
import type { Clock } from '../core/clock';
import { newSecret } from '../core/digest';
import { OIDC_KEYRING_CACHE_MS, parseOidcKeyRing, type OidcKeyRing, type SigningJwk } from '../core/oidc/signing-keys';
import type { SecretStore } from '../core/secrets';

/** A fresh RS256 private JWK (2048-bit RSA), its `kid` the RFC 7638 thumbprint. */
export async function generateSigningJwk(): Promise<SigningJwk> {
  const { privateKey } = await generateKeyPair('RS256', { modulusLength: 2048, extractable: true });
  const jwk = await exportJWK(privateKey);
  const kid = await calculateJwkThumbprint(jwk);
  return { ...jwk, kty: 'RSA', kid, alg: 'RS256', use: 'sig' };
}

export async function newOidcKeyRing(): Promise<OidcKeyRing> {
  return { current: await generateSigningJwk(), cookieKeys: [newSecret()] };
}

/** Creates the ring in the secret when it is absent (the twin at start, the deploy-time provisioner); never replaces one. */
export async function ensureOidcKeyRing(secrets: SecretStore, secretName: string): Promise<{ created: boolean; ring: OidcKeyRing }> {
  const existing = await secrets.get(secretName);
  if (existing) return { created: false, ring: parseOidcKeyRing(existing) };
  const ring = await newOidcKeyRing();
  await secrets.put(secretName, JSON.stringify(ring));
  return { created: true, ring };
}

/** The ring as this container last read it, re-read after `cacheMs` (a rotation step reaches every container within it). */
export class OidcKeyringProvider {
  private cached?: { text: string; ring: OidcKeyRing; readAt: number };

  constructor(
    private readonly secrets: SecretStore,
    private readonly secretName: string,
    private readonly clock: Clock,
    private readonly cacheMs = OIDC_KEYRING_CACHE_MS,
  ) {}

  /** The ring and its text (the text tells a caller whether it changed). */
  async get(): Promise<{ text: string; ring: OidcKeyRing }> {
    const now = this.clock.now().getTime();
    if (this.cached && now - this.cached.readAt < this.cacheMs) return this.cached;
    const text = await this.secrets.get(this.secretName);
    if (!text) throw new Error(`the OIDC signing key secret ${this.secretName} is empty: the deploy-time provisioner (or the twin) creates it`);
    this.cached = { text, ring: this.cached?.text === text ? this.cached.ring : parseOidcKeyRing(text), readAt: now };
    return this.cached;
  }
}
