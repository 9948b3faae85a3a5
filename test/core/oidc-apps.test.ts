import { describe, expect, it } from 'vitest';
import { appSecretMatches, appView, checkAppUri, createApp, rotateAppSecret, type AppClient, type AppClientRepository } from '../../lambdas/core/oidc/apps';
import { ConflictError } from '../../lambdas/core/errors';

/** A repository in memory: the rules are tested here; the DynamoDB adapter in the twin tests. */
function memoryApps(): AppClientRepository {
  const apps = new Map<string, AppClient>();
  return {
    create: async (app) => {
      if (apps.has(app.clientId)) throw new ConflictError('taken');
      apps.set(app.clientId, app);
    },
    put: async (app) => void apps.set(app.clientId, app),
    get: async (id) => apps.get(id),
    list: async () => [...apps.values()],
    delete: async (id) => apps.delete(id),
  };
}

describe('apps (OIDC clients)', () => {
  it('accepts https URIs, and http only for loopback hosts on the twin, naming the field it refuses', () => {
    expect(checkAppUri('https://app.example.com/cb', 'redirect-uri', 'deployed')).toBe('https://app.example.com/cb');
    expect(checkAppUri('http://127.0.0.1:5000/cb', 'redirect-uri', 'local')).toBe('http://127.0.0.1:5000/cb');
    expect(() => checkAppUri('http://127.0.0.1:5000/cb', 'redirect-uri', 'deployed')).toThrow(/redirect-uri: must use https/);
    expect(() => checkAppUri('http://app.example.com/cb', 'post-logout-redirect-uri', 'local')).toThrow(/post-logout-redirect-uri/);
    expect(() => checkAppUri('https://app.example.com/cb#x', 'redirect-uri', 'deployed')).toThrow(/fragment/);
    expect(() => checkAppUri('https://user:pw@app.example.com/cb', 'redirect-uri', 'deployed')).toThrow(/credentials/);
    expect(() => checkAppUri('javascript:alert(1)', 'initiate-login-uri', 'deployed')).toThrow(/initiate-login-uri/);
  });

  it('keeps only the secret hash; the old secret works during its grace period, then not', async () => {
    let now = new Date('2026-01-01T00:00:00Z');
    const deps = { apps: memoryApps(), clock: { now: () => now }, runtimeMode: 'deployed' as const };
    const { app, clientSecret } = await createApp(deps, { name: 'App', redirectUris: ['https://app.example.com/cb'] });
    expect(JSON.stringify(app)).not.toContain(clientSecret);
    expect(JSON.stringify(appView(app))).not.toContain(app.secretHash);
    expect(appSecretMatches(app, clientSecret, now)).toBe(true);
    const rotated = await rotateAppSecret(deps, app.clientId, 2);
    expect(appSecretMatches(rotated.app, rotated.clientSecret, now)).toBe(true);
    expect(appSecretMatches(rotated.app, clientSecret, now)).toBe(true);
    now = new Date(now.getTime() + 2 * 3_600_000 + 1);
    expect(appSecretMatches(rotated.app, clientSecret, now)).toBe(false);
    expect(appSecretMatches(rotated.app, rotated.clientSecret, now)).toBe(true);
    await expect(rotateAppSecret(deps, app.clientId, -1)).rejects.toThrow(/grace-hours/);
    await expect(createApp(deps, { name: 'Dup', redirectUris: ['https://a.example/cb'], clientId: app.clientId })).rejects.toThrow(ConflictError);
  });
});
