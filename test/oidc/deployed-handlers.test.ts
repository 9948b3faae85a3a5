import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createLocalJWKSet, jwtVerify, type JSONWebKeySet } from 'jose';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDynamoAdapters } from '../../lambdas/adapters/dynamodb/index';
import { systemClock } from '../../lambdas/core/clock';
import type { DirectoryEvent } from '../../lambdas/core/events/directory-event';
import { asTenantId } from '../../lambdas/core/ids';
import { createApp } from '../../lambdas/core/oidc/apps';
import { publicJwk, type OidcKeyRing } from '../../lambdas/core/oidc/signing-keys';
import { newOidcKeyRing } from '../../lambdas/oidc/signing-keyring';
import { httpEvent } from '../support/http-event';
import { createTestTable, type TestTable } from '../support/dynamo';

/** The deployed entry points as Lambda runs them: environment, Secrets Manager (mocked) and DynamoDB (Local). */
describe('deployed OIDC handlers', () => {
  const secrets = mockClient(SecretsManagerClient);
  let table: TestTable;
  let ring: OidcKeyRing;
  let rp: Server;
  const received: URLSearchParams[] = [];
  beforeAll(async () => {
    table = await createTestTable();
    ring = await newOidcKeyRing();
    secrets.on(GetSecretValueCommand).resolves({ SecretString: JSON.stringify(ring) });
    rp = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString()));
      req.on('end', () => {
        received.push(new URLSearchParams(body));
        res.end();
      });
    });
    await new Promise<void>((resolve) => rp.listen(0, '127.0.0.1', resolve));
    Object.assign(process.env, { TABLE_NAME: table.tableName, OIDC_SIGNING_KEY_SECRET: 'oidc-keys', PUBLIC_BASE_URL: 'https://sso.example.com', DYNAMODB_ENDPOINT: table.endpoint, RUNTIME_MODE: 'deployed' });
  });
  afterAll(async () => {
    secrets.restore();
    await new Promise((resolve) => rp.close(resolve));
    await table?.drop();
  });

  it('the OIDC handler answers discovery and the JWKS for the configured issuer', async () => {
    const { handler } = await import('../../lambdas/oidc/handler');
    const discovery = await handler(httpEvent('GET', '/.well-known/openid-configuration', { host: 'sso.example.com', headers: { 'x-forwarded-proto': 'https' } }));
    expect(discovery.statusCode).toBe(200);
    expect(JSON.parse(discovery.body!)).toMatchObject({ issuer: 'https://sso.example.com', jwks_uri: 'https://sso.example.com/oidc/jwks' });
    expect(discovery.headers?.['strict-transport-security']).toMatch(/max-age=\d+/);
    const jwks = await handler(httpEvent('GET', '/oidc/jwks', { host: 'sso.example.com', headers: { 'x-forwarded-proto': 'https' } }));
    expect(JSON.parse(jwks.body!).keys).toEqual([publicJwk(ring.current)]);
  });

  it('the back-channel handler posts a logout token for an EventBridge session.ended event', async () => {
    const rpUrl = `http://127.0.0.1:${(rp.address() as AddressInfo).port}`;
    const { apps } = createDynamoAdapters({ db: table.db, tableName: table.tableName });
    // The twin's rules allow http for 127.0.0.1; a deployed registration would need https.
    const { app } = await createApp({ apps, clock: systemClock, runtimeMode: 'local' }, { name: 'App', redirectUris: [`${rpUrl}/cb`], backchannelLogoutUri: `${rpUrl}/logout` });
    const event: DirectoryEvent = { id: 'e1', schemaVersion: 1, type: 'session.ended', tenantId: asTenantId('tabcdefghjkmn'), occurredAt: new Date().toISOString(), resource: { type: 'session', id: 's1', version: 1 }, actor: 'system', data: { userId: 'u1', sid: 's1', reason: 'revoked' } };
    const { handler } = await import('../../lambdas/oidc/backchannel-handler');
    await handler({ detail: event });
    expect(received).toHaveLength(1);
    const keys: JSONWebKeySet = { keys: [publicJwk(ring.current) as never] };
    const { payload } = await jwtVerify(received[0]!.get('logout_token')!, createLocalJWKSet(keys), { issuer: 'https://sso.example.com', audience: app.clientId });
    expect(payload).toMatchObject({ sub: 'tabcdefghjkmn.u1', sid: 's1' });
  });
});
