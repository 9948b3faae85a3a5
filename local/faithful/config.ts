/**
 * The twin's fidelity, read from the environment once by whoever composes the twin or a test world:
 * - `TWIN_FIDELITY`: `friendly` (default: one warm container, DynamoDB Local's always-fresh reads)
 *   or `aws` (replication lag, several containers, API Gateway's and Lambda's limits);
 * - `TWIN_REPLICATION_LAG_MS` (default 1000), `TWIN_CONTAINERS` (default 3),
 *   `TWIN_TIMEOUT_MS` (overrides every surface's timeout, e.g. to test a timeout quickly).
 */
export type Fidelity = 'friendly' | 'aws';

export interface FaithfulSettings {
  readonly replicationLagMs: number;
  readonly containers: number;
  /** Overrides each surface's own timeout when set. */
  readonly timeoutMs?: number;
}

export const DEFAULT_REPLICATION_LAG_MS = 1000;
export const DEFAULT_CONTAINERS = 3;

export function fidelityFrom(env: NodeJS.ProcessEnv = process.env): Fidelity {
  const raw = (env.TWIN_FIDELITY ?? '').trim().toLowerCase();
  if (raw === '' || raw === 'friendly') return 'friendly';
  if (raw === 'aws') return 'aws';
  throw new Error(`TWIN_FIDELITY must be "aws" or "friendly", got "${raw}"`);
}

export function faithfulSettingsFrom(env: NodeJS.ProcessEnv = process.env): FaithfulSettings {
  const timeoutMs = whole(env, 'TWIN_TIMEOUT_MS', undefined, 1);
  return {
    replicationLagMs: whole(env, 'TWIN_REPLICATION_LAG_MS', DEFAULT_REPLICATION_LAG_MS, 0)!,
    containers: whole(env, 'TWIN_CONTAINERS', DEFAULT_CONTAINERS, 1)!,
    ...(timeoutMs !== undefined ? { timeoutMs } : {}),
  };
}

function whole(env: NodeJS.ProcessEnv, name: string, fallback: number | undefined, min: number): number | undefined {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min) throw new Error(`${name} must be a whole number of at least ${min}, got "${raw}"`);
  return value;
}
