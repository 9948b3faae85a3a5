import { randomBytes } from 'node:crypto';
import { chmod, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { SecretStore } from '../lambdas/core/secrets';

/**
 * The twin's SecretStore: one owner-only file per secret under `${dataDir}/secrets/`.
 * Names are encoded so that any name (slashes, dots, `..`) maps to one flat, safe file name.
 */
export class FileSecretStore implements SecretStore {
  readonly dir: string;

  constructor(dataDir: string) {
    this.dir = join(dataDir, 'secrets');
  }

  /** `base64url(name).secret`: reversible, filesystem-safe, no separators, never `.` or `..`. */
  static fileNameOf(name: string): string {
    if (name.length === 0) throw new Error('a secret name must not be empty');
    return `${Buffer.from(name, 'utf8').toString('base64url')}.secret`;
  }

  async get(name: string): Promise<string | undefined> {
    try {
      return await readFile(this.pathOf(name), 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
  }

  async put(name: string, value: string): Promise<void> {
    await this.ensureDir();
    const target = this.pathOf(name);
    const temp = join(this.dir, `.tmp-${randomBytes(8).toString('hex')}`);
    try {
      // Created 0600 from the start (never briefly readable by others), then renamed over the target atomically.
      await writeFile(temp, value, { encoding: 'utf8', mode: 0o600, flag: 'wx' });
      await chmod(temp, 0o600);
      await rename(temp, target);
    } catch (error) {
      await rm(temp, { force: true });
      throw error;
    }
  }

  async delete(name: string): Promise<void> {
    await rm(this.pathOf(name), { force: true });
  }

  private pathOf(name: string): string {
    return join(this.dir, FileSecretStore.fileNameOf(name));
  }

  private async ensureDir(): Promise<void> {
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    // mkdir's mode is filtered by the umask and ignored for an existing folder: set it explicitly.
    await chmod(this.dir, 0o700);
  }
}
