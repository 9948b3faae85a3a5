/** `npm run example`'s client registration: the CLI call it makes, what it reads back, what it keeps. */
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appCreateArgs, ExampleLaunchError, readSavedRegistration, registrationFromCli, saveRegistration } from '../../local/example-registration';

const APP_URL = 'http://127.0.0.1:3002';
const ARGS = appCreateArgs(APP_URL);

describe('registering the example app with the operator CLI', () => {
  it('asks for every URI the app serves, in JSON', () => {
    expect(ARGS.join(' ')).toBe(
      'run -s admin -- app create --name Example app --redirect-uri http://127.0.0.1:3002/callback --post-logout-redirect-uri http://127.0.0.1:3002/ --backchannel-logout-uri http://127.0.0.1:3002/backchannel-logout --initiate-login-uri http://127.0.0.1:3002/initiate-login --json',
    );
  });

  it("reads clientId, clientSecret and issuer from the CLI's JSON", () => {
    const stdout = JSON.stringify({ clientId: 'app_1', clientSecret: 'secret_1', issuer: 'http://127.0.0.1:3000', name: 'Example app' });
    expect(registrationFromCli({ code: 0, stdout, stderr: '' }, ARGS, APP_URL, 'key')).toEqual({ clientId: 'app_1', clientSecret: 'secret_1', issuer: 'http://127.0.0.1:3000', appUrl: APP_URL, webhookKey: 'key' });
  });

  it('fails with the command, the CLI’s own error and a hint when the CLI has no app create', () => {
    const attempt = () => registrationFromCli({ code: 2, stdout: '', stderr: 'error: unknown command "app create"\nusage: npm run admin -- --help\n' }, ARGS, APP_URL, 'key');
    expect(attempt).toThrow(ExampleLaunchError);
    expect(attempt).toThrow('`npm run -s admin -- app create --name "Example app" --redirect-uri');
    expect(attempt).toThrow(/exited with 2\.\nerror: unknown command "app create"\nusage: npm run admin -- --help\nDoes this build's operator CLI have `app create`/);
  });

  it('fails clearly on output that is not the documented JSON', () => {
    expect(() => registrationFromCli({ code: 0, stdout: '> natoma-sso admin\n{', stderr: '' }, ARGS, APP_URL, 'k')).toThrow(/did not print JSON$/);
    expect(() => registrationFromCli({ code: 0, stdout: '{"clientId":"a"}', stderr: '' }, ARGS, APP_URL, 'k')).toThrow(/printed no clientId, clientSecret and issuer$/);
    expect(() => registrationFromCli({ code: 0, stdout: 'null', stderr: '' }, ARGS, APP_URL, 'k')).toThrow(/printed no clientId/);
  });
});

describe('the saved registration in DATA_DIR', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'example-app-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const registration = { issuer: 'http://127.0.0.1:3000', clientId: 'app_1', clientSecret: 'secret_1', appUrl: APP_URL, webhookKey: 'key_1' };

  it('is written owner-only and reused for the same app URL and issuer only', async () => {
    const path = join(dir, 'data', 'example-app.json');
    await saveRegistration(path, registration);
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    expect(await readSavedRegistration(path, { appUrl: APP_URL, issuer: 'http://127.0.0.1:3000' })).toEqual(registration);
    expect(await readSavedRegistration(path, { appUrl: 'http://127.0.0.1:4002', issuer: 'http://127.0.0.1:3000' })).toBeUndefined();
    expect(await readSavedRegistration(path, { appUrl: APP_URL, issuer: 'http://127.0.0.1:4000' })).toBeUndefined();
    expect(JSON.parse(await readFile(path, 'utf8'))).toEqual(registration);
  });

  it('is ignored when missing, unreadable as JSON or incomplete', async () => {
    const expected = { appUrl: APP_URL, issuer: registration.issuer };
    expect(await readSavedRegistration(join(dir, 'none.json'), expected)).toBeUndefined();
    await writeFile(join(dir, 'broken.json'), '{');
    expect(await readSavedRegistration(join(dir, 'broken.json'), expected)).toBeUndefined();
    await writeFile(join(dir, 'partial.json'), JSON.stringify({ ...registration, clientSecret: '' }));
    expect(await readSavedRegistration(join(dir, 'partial.json'), expected)).toBeUndefined();
  });
});
