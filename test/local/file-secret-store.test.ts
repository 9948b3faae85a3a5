import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FileSecretStore } from '../../local/file-secret-store';

describe('FileSecretStore', () => {
  let dataDir: string;
  let store: FileSecretStore;
  beforeEach(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'natoma-secrets-'));
    store = new FileSecretStore(dataDir);
  });
  afterEach(async () => rm(dataDir, { recursive: true, force: true }));

  it('returns undefined for a secret never written', async () => {
    expect(await store.get('nope')).toBeUndefined();
  });

  it('round-trips and overwrites a value', async () => {
    await store.put('natoma/sp-credentials', '{"v":1}');
    await store.put('natoma/sp-credentials', '{"v":2}');
    expect(await store.get('natoma/sp-credentials')).toBe('{"v":2}');
  });

  it('keeps the folder 0700 and each file 0600', async () => {
    await store.put('a', 'secret');
    const dirMode = (await stat(join(dataDir, 'secrets'))).mode & 0o777;
    const fileMode = (await stat(join(dataDir, 'secrets', FileSecretStore.fileNameOf('a')))).mode & 0o777;
    expect(dirMode).toBe(0o700);
    expect(fileMode).toBe(0o600);
  });

  it('maps hostile names into the secrets folder, one flat file each', async () => {
    await store.put('../../etc/passwd', 'x');
    await store.put('scim/tokens/t1', 'y');
    await store.put('..', 'z');
    const files = await readdir(join(dataDir, 'secrets'));
    expect(files).toHaveLength(3);
    expect(files.every((name) => /^[A-Za-z0-9_-]+\.secret$/.test(name))).toBe(true);
    expect(await store.get('../../etc/passwd')).toBe('x');
    expect(await store.get('..')).toBe('z');
  });

  it('leaves no temporary file behind', async () => {
    await Promise.all(Array.from({ length: 20 }, (_, i) => store.put('same', `v${i}`)));
    const files = await readdir(join(dataDir, 'secrets'));
    expect(files).toEqual([FileSecretStore.fileNameOf('same')]);
    expect(await store.get('same')).toMatch(/^v\d+$/);
  });

  it('deletes, and deleting twice is fine', async () => {
    await store.put('gone', 'x');
    await store.delete('gone');
    await store.delete('gone');
    expect(await store.get('gone')).toBeUndefined();
  });

  it('rejects an empty name', async () => {
    await expect(store.put('', 'x')).rejects.toThrow(/empty/);
  });
});
