import { describe, expect, it } from 'vitest';
import { rotateOidcKeys, type OidcKeyRing, type SigningJwk } from '../../lambdas/core/oidc/signing-keys';

const key = (kid: string) => ({ kty: 'RSA', kid, n: 'n', e: 'AQAB', d: 'd' }) as unknown as SigningJwk;

describe('OIDC signing key rotation', () => {
  const ring: OidcKeyRing = { current: key('k1'), cookieKeys: ['c1'] };
  const now = new Date('2026-11-30T12:00:00Z');

  it('words its refusals in oidc-key terms: the command to run first, and the OIDC Lambdas that keep the ring', () => {
    expect(() => rotateOidcKeys(ring, 'promote', { now, cacheMs: 300_000, generate: () => key('k2') })).toThrow('run `oidc-key generate-next` first');
    const withNext = rotateOidcKeys(ring, 'generate-next', { now, cacheMs: 300_000, generate: () => key('k2') });
    expect(withNext).toMatchObject({ current: { kid: 'k1' }, next: { kid: 'k2' }, cookieKeys: ['c1'] });
    expect(() => rotateOidcKeys(withNext, 'promote', { now, cacheMs: 300_000, generate: () => key('k3') })).toThrow(/running OIDC Lambdas keep the keyring for up to 300 s/);
  });
});
