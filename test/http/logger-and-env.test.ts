import { describe, expect, it } from 'vitest';
import { z } from 'zod/v3';
import { loadEnv } from '../../lambdas/http/env';
import { Logger } from '../../lambdas/http/logger';

const capture = () => {
  const lines: Record<string, unknown>[] = [];
  return { lines, logger: new Logger({ service: 't' }, 'info', (line) => lines.push(JSON.parse(line))) };
};

describe('logger', () => {
  it('redacts secret keys at any depth and secret-shaped values under any key', () => {
    const { lines, logger } = capture();
    logger.info('x', { headers: { Authorization: 'Bearer abc', cookie: 'natoma_session=1' }, note: 'token natoma_scim_0123456789abcdef here', nested: [{ SAMLResponse: 'PHNhbWw+' }] });
    const text = JSON.stringify(lines[0]);
    for (const secret of ['Bearer abc', 'natoma_session=1', 'natoma_scim_0123456789abcdef', 'PHNhbWw+']) expect(text).not.toContain(secret);
    expect(lines[0]!.note).toBe('token [redacted] here');
  });

  it('redacts one-time codes and SAML messages carried in a URL query', () => {
    const { lines, logger } = capture();
    logger.warn('fetch failed', { url: 'https://admin.test/login?token=abc123def&next=/sso', other: 'https://idp.test/sso?SAMLRequest=fZJNb&RelayState=x' });
    const text = JSON.stringify(lines[0]);
    expect(text).not.toContain('abc123def');
    expect(text).not.toContain('fZJNb');
    expect(text).toContain('next=/sso');
  });

  it('redacts what the OIDC endpoints carry: client secrets, PKCE verifiers, ID, access and logout tokens, by key and by shape', () => {
    const { lines, logger } = capture();
    const jwt = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ0LnUifQ.c2lnbmF0dXJlLXZhbHVl';
    logger.info('token exchange', {
      form: { client_secret: 's3cr3t-value', code_verifier: 'verifier-value', code: 'not_found' },
      answer: { id_token: 'id-token-value', access_token: 'access-token-value', logout_token: 'logout-token-value' },
      note: `posted ${jwt} to the app`,
      url: 'https://api.test/oidc/session/end?id_token_hint=hint-value&post_logout_redirect_uri=https://app.test/',
    });
    const text = JSON.stringify(lines[0]);
    for (const secret of ['s3cr3t-value', 'verifier-value', 'id-token-value', 'access-token-value', 'logout-token-value', jwt, 'hint-value']) expect(text).not.toContain(secret);
    // An error code is not a secret: kept for whoever reads the log.
    expect(text).toContain('not_found');
    expect(text).toContain('post_logout_redirect_uri=https://app.test/');
  });

  it('keeps error stacks and causes', () => {
    const { lines, logger } = capture();
    logger.error('failed', { error: new Error('outer', { cause: new Error('inner') }) });
    const error = lines[0]!.error as { stack: string; cause: { message: string } };
    expect(error.stack).toContain('logger-and-env.test.ts');
    expect(error.cause.message).toBe('inner');
  });

  it('drops entries below its level', () => {
    const { lines, logger } = capture();
    logger.debug('quiet');
    expect(lines).toHaveLength(0);
  });
});

describe('loadEnv', () => {
  const schema = z.object({ TABLE_NAME: z.string().min(1), PUBLIC_BASE_URL: z.string().url().optional() });

  it('returns the validated environment', () => {
    expect(loadEnv(schema, { TABLE_NAME: 't' })).toEqual({ TABLE_NAME: 't' });
  });

  it('fails at cold start naming every bad variable and no value', () => {
    expect(() => loadEnv(schema, { PUBLIC_BASE_URL: 'not a url secret' })).toThrow(/TABLE_NAME, PUBLIC_BASE_URL/);
    expect(() => loadEnv(schema, { PUBLIC_BASE_URL: 'not a url secret' })).not.toThrow(/secret/);
  });
});
