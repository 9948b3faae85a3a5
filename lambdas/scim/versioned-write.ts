import { PreconditionFailedError } from '../core/errors';
import { etagOf } from './resources';

const WRITE_ATTEMPTS = 10;
/** Jittered pause before re-reading after losing a version race, so that racers spread out. */
const backoff = (attempt: number) => new Promise((resolve) => setTimeout(resolve, Math.random() * 20 * attempt));

/**
 * The lost-race policy of every SCIM write: when another writer got there first, the caller re-reads and
 * recomputes ('retry'), unless If-Match pinned the version or the attempts ran out: then the client gets 412.
 */
export async function versionedWrite(write: () => Promise<void>, ifMatch: string | undefined, attempt: number): Promise<'written' | 'retry'> {
  try {
    await write();
    return 'written';
  } catch (error) {
    if (!(error instanceof PreconditionFailedError)) throw error;
    if (ifMatch === undefined && attempt < WRITE_ATTEMPTS) {
      await backoff(attempt);
      return 'retry';
    }
    throw error;
  }
}

/** If-Match (RFC 7644 §3.14): 412 unless it names the current version (or is `*`). */
export function checkIfMatch(ifMatch: string | undefined, version: number): void {
  if (ifMatch === undefined) return;
  const tags = ifMatch.split(',').map((t) => t.trim());
  if (tags.includes('*')) return;
  const current = etagOf(version);
  const strong = `"${version}"`;
  if (!tags.some((tag) => tag === current || tag === strong)) {
    throw new PreconditionFailedError(`the resource changed: its version is ${current}, the request was based on ${ifMatch}`);
  }
}
