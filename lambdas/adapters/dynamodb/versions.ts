/**
 * The optimistic-concurrency contract of replace(): the caller hands in the next version. A
 * mismatch is a bug in the caller (not a race), so it is a plain Error, not a domain error.
 */
export function assertNextVersion(what: string, newVersion: number, expectedVersion: number): void {
  if (newVersion !== expectedVersion + 1) {
    throw new Error(`replace(${what}) needs version ${expectedVersion + 1} (expectedVersion + 1), got ${newVersion}`);
  }
}
