import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { faithfulSettingsFrom, fidelityFrom, type FaithfulSettings, type Fidelity } from './config';
import { containerPool } from './containers';
import { DEPLOYED_SURFACES, type Surface } from './lambda-limits';
import { withReplicationLag } from './replication-lag';

/** startTwin's `fidelity` option: a mode, or the faithful mode with settings (the rest from the environment). */
export type FidelityOption = Fidelity | ({ readonly mode: 'aws' } & Partial<FaithfulSettings>);

/** What the twin composes differently in the faithful mode. */
export interface FaithfulTwin {
  readonly settings: FaithfulSettings;
  /** The DynamoDB client every surface shares, with replication lag (the lag belongs to the table, not a container). */
  wrapClient(db: DynamoDBDocumentClient): DynamoDBDocumentClient;
  /** `settings.containers` separate compositions of a surface, under its Lambda and front-door limits. */
  surface(name: keyof typeof DEPLOYED_SURFACES, compose: () => Surface): Surface;
  /** One line for the twin's log. */
  readonly summary: string;
}

/** undefined in the friendly mode (the default): the twin composes exactly as before. */
export function faithfulTwin(option: FidelityOption | undefined, env: NodeJS.ProcessEnv = process.env): FaithfulTwin | undefined {
  const mode = option === undefined ? fidelityFrom(env) : typeof option === 'string' ? option : option.mode;
  if (mode !== 'aws') return undefined;
  const overrides: Partial<FaithfulSettings> = typeof option === 'object' ? option : {};
  const fromEnv = faithfulSettingsFrom(env);
  const timeoutMs = overrides.timeoutMs ?? fromEnv.timeoutMs;
  const settings: FaithfulSettings = {
    replicationLagMs: overrides.replicationLagMs ?? fromEnv.replicationLagMs,
    containers: overrides.containers ?? fromEnv.containers,
    ...(timeoutMs !== undefined ? { timeoutMs } : {}),
  };
  return {
    settings,
    wrapClient: (db) => withReplicationLag(db, { lagMs: settings.replicationLagMs }).db,
    surface: (name, compose) => containerPool(compose, settings.containers, DEPLOYED_SURFACES[name], settings.timeoutMs !== undefined ? { timeoutMs: settings.timeoutMs } : {}).handle,
    summary:
      `faithful mode (TWIN_FIDELITY=aws): reads without ConsistentRead and GSI queries lag ${settings.replicationLagMs} ms behind writes; ` +
      `${settings.containers} containers per surface; 6 MB payloads; timeouts ${settings.timeoutMs !== undefined ? `${settings.timeoutMs} ms` : 'as deployed (SAML 10 s, SCIM 29 s, admin 30 s)'}`,
  };
}

export type { Fidelity, FaithfulSettings } from './config';
