/** The example app's settings and how it behaves when natoma-sso is away or the webhook key is unset. */
import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createExampleApp, type ExampleApp } from '../../examples/app/app';
import { ConfigError, configFromEnv } from '../../examples/app/config';
import { listenOnFreePort } from './oidc-test-provider';

describe('configFromEnv', () => {
  const env = { ISSUER: 'http://127.0.0.1:3000/', CLIENT_ID: 'client', CLIENT_SECRET: 'secret' };

  it('names the missing variable', () => {
    for (const name of ['ISSUER', 'CLIENT_ID', 'CLIENT_SECRET'] as const) {
      expect(() => configFromEnv({ ...env, [name]: ' ' })).toThrow(new ConfigError(`${name} is required (see examples/app/README.md)`));
    }
    expect(() => configFromEnv({ ...env, PORT: 'http' })).toThrow(/PORT must be a port number/);
    expect(() => configFromEnv({ ...env, ISSUER: 'not a url' })).toThrow(/ISSUER must be a URL/);
  });

  it('defaults to port 3002 on 127.0.0.1 and the standard scopes; the issuer loses a trailing slash', () => {
    expect(configFromEnv(env)).toEqual({
      issuer: 'http://127.0.0.1:3000',
      clientId: 'client',
      clientSecret: 'secret',
      appUrl: 'http://127.0.0.1:3002',
      port: 3002,
      eventsWebhookKey: undefined,
      scope: 'openid email profile',
    });
  });
});

describe('an example app whose issuer is down and whose webhook key is unset', () => {
  let server: Server;
  let appUrl: string;
  let app: ExampleApp;

  beforeAll(async () => {
    // A port nothing listens on: bind one, then close it.
    const probe = createServer();
    const deadPort = await listenOnFreePort(probe);
    await new Promise((resolve) => probe.close(resolve));
    server = createServer((request, response) => void app.handle(request, response));
    appUrl = `http://127.0.0.1:${await listenOnFreePort(server)}`;
    app = createExampleApp(configFromEnv({ ISSUER: `http://127.0.0.1:${deadPort}`, CLIENT_ID: 'c', CLIENT_SECRET: 's', APP_URL: appUrl }), () => {});
  });

  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  it('answers sign-in with a page saying natoma-sso is not reachable, not a crash', async () => {
    const response = await fetch(`${appUrl}/login`, { redirect: 'manual' });
    expect(response.status).toBe(502);
    expect(await response.text()).toContain('natoma-sso is not reachable');
    expect((await fetch(`${appUrl}/`)).status).toBe(200);
  });

  it('refuses every event, whatever the header says', async () => {
    const headerSets: Record<string, string>[] = [{}, { 'x-api-key': '' }, { 'x-api-key': 'anything' }];
    for (const headers of headerSets) {
      const response = await fetch(`${appUrl}/events`, { method: 'POST', headers, body: JSON.stringify({ id: 'evt_1', type: 'user.created' }) });
      expect(response.status).toBe(401);
    }
  });

  it('answers 404 to an unknown page and escapes nothing it was sent into it', async () => {
    const response = await fetch(`${appUrl}/<script>alert(1)</script>`);
    expect(response.status).toBe(404);
    expect(await response.text()).not.toContain('<script>alert');
  });
});
