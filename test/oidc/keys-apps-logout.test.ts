import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createLocalJWKSet, createRemoteJWKSet, decodeProtectedHeader, jwtVerify, type JSONWebKeySet } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DirectoryEvent } from '../../lambdas/core/events/directory-event';
import { asTenantId } from '../../lambdas/core/ids';
import type { OidcKeyRing } from '../../lambdas/core/oidc/signing-keys';
import { BACKCHANNEL_LOGOUT_EVENT, backchannelLogoutSink } from '../../lambdas/oidc/backchannel-logout';
import { Browserless } from '../../local/browserless';
import { runCli } from '../../local/cli';
import { DEMO } from '../../local/demo';
import { FileSecretStore } from '../../local/file-secret-store';
import { OIDC_SIGNING_KEY_SECRET_NAME } from '../../local/twin-oidc';
import { authorize, browse, exchangeCode, startOidcWorld, type OidcWorld } from './support';

const wait = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function cli(world: OidcWorld, argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const env = { DATA_DIR: world.twin.dataDir, ADMIN_PUBLIC_URL: world.twin.adminUrl };
  const code = await runCli(argv, { stdout: (text) => (out += text), stderr: (text) => (err += text), env });
  return { code, out, err };
}

describe('apps, signing keys and back-channel logout on the twin', () => {
  let world: OidcWorld;
  beforeAll(async () => {
    world = await startOidcWorld({ defaultAppClientId: 'default-app' });
  }, 120_000);
  afterAll(async () => world?.stop());

  it('app create prints the client ID, the secret (once) and the issuer; list/show never show it; bad flags name the flag', async () => {
    const created = await cli(world, ['app', 'create', '--name', 'Cli app', '--redirect-uri', `${world.rpUrl}/cb`, '--redirect-uri', `${world.rpUrl}/cb2`, '--post-logout-redirect-uri', `${world.rpUrl}/out`, '--json']);
    expect(created.code).toBe(0);
    const body = JSON.parse(created.out) as { clientId: string; clientSecret: string; issuer: string };
    expect(body.issuer).toBe(world.twin.apiUrl);
    expect(body.clientSecret.length).toBeGreaterThanOrEqual(43);
    const listed = await cli(world, ['app', 'list', '--json']);
    expect(listed.out).toContain(body.clientId);
    expect(listed.out).not.toContain(body.clientSecret);
    const shown = await cli(world, ['app', 'show', '--client-id', body.clientId, '--json']);
    expect(JSON.parse(shown.out).app.redirectUris).toEqual([`${world.rpUrl}/cb`, `${world.rpUrl}/cb2`]);

    const insecure = await cli(world, ['app', 'create', '--name', 'Bad', '--redirect-uri', 'http://app.example.com/cb']);
    expect(insecure.code).not.toBe(0);
    expect(insecure.err).toContain('redirect-uri');
    const fragment = await cli(world, ['app', 'create', '--name', 'Bad', '--redirect-uri', `${world.rpUrl}/cb`, '--backchannel-logout-uri', 'not a url']);
    expect(fragment.err).toContain('backchannel-logout-uri');
    const grace = await cli(world, ['app', 'rotate-secret', '--client-id', body.clientId, '--grace-hours', 'soon']);
    expect(grace.code).toBe(2);
    expect(grace.err).toContain('--grace-hours');

    const deleted = await cli(world, ['app', 'delete', '--client-id', body.clientId, '--json']);
    expect(JSON.parse(deleted.out)).toMatchObject({ deleted: true });
    expect((await cli(world, ['app', 'show', '--client-id', body.clientId])).code).not.toBe(0);
  });

  it('rotate-secret: the new secret works at once, the old one during its grace period only', async () => {
    const app = await world.registerApp();
    const browser = new Browserless();
    const rotated = await cli(world, ['app', 'rotate-secret', '--client-id', app.clientId, '--json']);
    const { clientSecret: newSecret, previousSecretValidUntil } = JSON.parse(rotated.out) as { clientSecret: string; previousSecretValidUntil: string };
    expect(Date.parse(previousSecretValidUntil) - Date.now()).toBeGreaterThan(23 * 3_600_000);
    const withOld = await authorize(world, browser, app, { login_hint: DEMO.user.email });
    expect((await exchangeCode(world.twin.apiUrl, { ...app, code: withOld.code!, verifier: withOld.verifier })).status).toBe(200);
    const withNew = await authorize(world, browser, app);
    expect((await exchangeCode(world.twin.apiUrl, { ...app, clientSecret: newSecret, code: withNew.code!, verifier: withNew.verifier })).status).toBe(200);
    await cli(world, ['app', 'rotate-secret', '--client-id', app.clientId, '--grace-hours', '0']);
    const afterGrace = await authorize(world, browser, app);
    expect((await exchangeCode(world.twin.apiUrl, { ...app, clientSecret: newSecret, code: afterGrace.code!, verifier: afterGrace.verifier })).status).toBe(401);
  });

  it('a deleted app gets no token at once, though its authorize requests may still be answered from the app cache for 5 s', async () => {
    const app = await world.registerApp();
    const run = await authorize(world, new Browserless(), app, { login_hint: DEMO.user.email });
    expect(run.code).toBeTruthy();
    await cli(world, ['app', 'delete', '--client-id', app.clientId, '--json']);
    const refused = await exchangeCode(world.twin.apiUrl, { ...app, code: run.code!, verifier: run.verifier });
    expect(refused.status).toBe(401);
    expect(refused.body.error).toBe('invalid_client');
  });

  it('rotates the signing key without downtime: next is published before it signs; old tokens verify until retire', async () => {
    const app = await world.registerApp();
    const browser = new Browserless();
    const tokenOf = async () => {
      const run = await authorize(world, browser, app, { login_hint: DEMO.user.email });
      return String((await exchangeCode(world.twin.apiUrl, { ...app, code: run.code!, verifier: run.verifier })).body.id_token);
    };
    const jwks = async () => (await (await fetch(`${world.twin.apiUrl}/oidc/jwks`)).json()) as JSONWebKeySet;
    const verifies = async (token: string) => jwtVerify(token, createLocalJWKSet(await jwks()), { issuer: world.twin.apiUrl }).then(() => true, () => false);
    const old = await tokenOf();
    const oldKid = decodeProtectedHeader(old).kid;

    expect((await cli(world, ['oidc-key', 'generate-next', '--json'])).code).toBe(0);
    await wait(1_100);
    expect((await jwks()).keys.map((key) => key.kid)).toHaveLength(2);
    expect(decodeProtectedHeader(await tokenOf()).kid).toBe(oldKid);
    const tooSoon = await cli(world, ['oidc-key', 'promote']);
    expect(tooSoon.code === 0 || /not before|wait/i.test(tooSoon.err + tooSoon.out)).toBe(true);
    if (tooSoon.code !== 0) {
      await wait(1_100);
      expect((await cli(world, ['oidc-key', 'promote'])).code).toBe(0);
    }
    await wait(1_100);
    const fresh = await tokenOf();
    expect(decodeProtectedHeader(fresh).kid).not.toBe(oldKid);
    expect(await verifies(old)).toBe(true);
    expect(await verifies(fresh)).toBe(true);
    const status = JSON.parse((await cli(world, ['oidc-key', 'status', '--json'])).out) as { stage: string; nextStep: string };
    expect(status).toMatchObject({ stage: 'overlap', nextStep: 'retire-previous' });
    await wait(1_100);
    expect((await cli(world, ['oidc-key', 'retire-previous'])).code).toBe(0);
    await wait(1_100);
    expect(await verifies(old)).toBe(false);
    expect(await verifies(fresh)).toBe(true);
    expect((await cli(world, ['oidc-key', 'retire-previous'])).err).toContain('oidc-key generate-next');
  }, 30_000);

  it('posts a verifiable logout token for session.ended to each app with a back-channel URI, retrying failures', async () => {
    const app = await world.registerApp({ name: 'Logout app' });
    const event: DirectoryEvent = {
      id: randomUUID(),
      schemaVersion: 1,
      type: 'session.ended',
      tenantId: asTenantId(world.demo.tenantId),
      occurredAt: new Date().toISOString(),
      resource: { type: 'session', id: 'abc123', version: 1 },
      actor: 'system',
      data: { userId: 'u-1', sid: 'abc123', reason: 'logout' },
    };
    world.logoutPosts.length = 0;
    world.logoutAnswers.push(500, 503);
    await world.twin.backchannelLogoutSink.deliver([event]);
    const mine = [];
    for (const post of world.logoutPosts) {
      const { payload, protectedHeader } = await jwtVerify(post.get('logout_token')!, createRemoteJWKSet(new URL(`${world.twin.apiUrl}/oidc/jwks`)), { issuer: world.twin.apiUrl });
      if (payload.aud === app.clientId) mine.push({ payload, protectedHeader });
    }
    expect(mine).toHaveLength(1);
    expect(mine[0]!.protectedHeader.typ).toBe('logout+jwt');
    expect(mine[0]!.payload).toMatchObject({ sub: `${world.demo.tenantId}.u-1`, sid: 'abc123', events: { [BACKCHANNEL_LOGOUT_EVENT]: {} } });
    expect(typeof mine[0]!.payload.jti).toBe('string');
    expect(mine[0]!.payload.nonce).toBeUndefined();

    // Still failing after its tries: the twin keeps it in its dead-letter file and lets later events through;
    // the deployed sink (no dead-letter callback) fails the event, so EventBridge retries it and then its DLQ keeps it.
    world.logoutAnswers.push(...Array.from({ length: 30 }, () => 500));
    await world.twin.backchannelLogoutSink.deliver([event]);
    const deadLetters = (await readFile(join(world.twin.dataDir, 'backchannel-dead-letters.ndjson'), 'utf8')).trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(deadLetters).toContainEqual(expect.objectContaining({ clientId: app.clientId, eventId: event.id, sid: 'abc123', reason: 'unreachable' }));
    world.logoutAnswers.length = 0;
    world.logoutAnswers.push(...Array.from({ length: 30 }, () => 500));
    const deployedSink = backchannelLogoutSink({ apps: world.store.apps, keyring: async () => JSON.parse((await new FileSecretStore(world.twin.dataDir).get(OIDC_SIGNING_KEY_SECRET_NAME))!) as OidcKeyRing, issuer: world.twin.apiUrl, backoffMs: 10 });
    await expect(deployedSink.deliver([event])).rejects.toThrow(/back-channel logout failed/);
    world.logoutAnswers.length = 0;
  }, 30_000);

  it('lands a sign-in no app started at the default app’s initiate-login URI, whose authorize then gets a code at once', async () => {
    const registered = await cli(world, ['app', 'create', '--client-id', 'default-app', '--name', 'Default', '--redirect-uri', `${world.rpUrl}/callback`, '--initiate-login-uri', `${world.rpUrl}/login`, '--json']);
    const secret = JSON.parse(registered.out) as { clientId: string; clientSecret: string };
    const browser = new Browserless();
    const landing = await browse(browser, `${world.twin.apiUrl}/signin?email=${encodeURIComponent(DEMO.user.email)}`, world.rpUrl);
    expect(landing.kind).toBe('rp');
    if (landing.kind !== 'rp') return;
    expect(landing.url.pathname).toBe('/login');
    expect(landing.url.searchParams.get('iss')).toBe(world.twin.apiUrl);
    expect(landing.url.searchParams.get('login_hint')).toBe(DEMO.user.email);
    const run = await authorize(world, browser, { clientId: secret.clientId, redirectUri: `${world.rpUrl}/callback` });
    expect(run.idpVisited).toBe(false);
    expect(run.code).toBeTruthy();
  });
});
