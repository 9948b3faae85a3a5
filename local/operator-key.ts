import { randomBytes, timingSafeEqual } from 'node:crypto';
import { chmod, mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export const OPERATOR_KEY_HEADER = 'x-natoma-operator-key';
export const operatorKeyPath = (dataDir: string): string => join(dataDir, 'operator.key');

/** Reads `${dataDir}/operator.key`, creating it (owner-only, 256 random bits) on first start. */
export async function ensureOperatorKey(dataDir: string): Promise<string> {
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  const file = operatorKeyPath(dataDir);
  try {
    await writeFile(file, randomBytes(32).toString('base64url') + '\n', { mode: 0o600, flag: 'wx' });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  // An older or hand-made key file may be readable by others: tighten it rather than trust it.
  if (((await stat(file)).mode & 0o077) !== 0) await chmod(file, 0o600);
  return readOperatorKey(dataDir);
}

export async function readOperatorKey(dataDir: string): Promise<string> {
  const key = (await readFile(operatorKeyPath(dataDir), 'utf8')).trim();
  if (key.length < 32) throw new Error(`${operatorKeyPath(dataDir)} does not hold an operator key`);
  return key;
}

export function operatorKeyMatches(expected: string, presented: string | undefined): boolean {
  if (presented === undefined) return false;
  const a = Buffer.from(expected);
  const b = Buffer.from(presented);
  return a.length === b.length && timingSafeEqual(a, b);
}
