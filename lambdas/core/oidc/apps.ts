import type { Clock } from '../clock';
import { newSecret, sameSecret, sha256Hex } from '../digest';
import { InvalidInputError, NotFoundError } from '../errors';

/**
 * An app (OIDC client) of the product, registered by the platform team. Clients are stack-wide: one app
 * serves every tenant, and the tenant is a claim. The secret is shown once and only its SHA-256 is kept.
 */
export interface AppClient {
  readonly clientId: string;
  readonly name: string;
  readonly redirectUris: readonly string[];
  readonly postLogoutRedirectUris: readonly string[];
  readonly backchannelLogoutUri?: string;
  /** OIDC Core §4 third-party-initiated login: where a sign-in no app started lands (the default app). */
  readonly initiateLoginUri?: string;
  readonly secretHash: string;
  /** After `rotate-secret`, the old secret's hash, accepted until `previousSecretValidUntil`. */
  readonly previousSecretHash?: string;
  readonly previousSecretValidUntil?: string;
  readonly createdAt: string;
  readonly updatedAt: string;
}

export interface AppClientRepository {
  /** Creates the client; ConflictError when the client ID is taken. */
  create(app: AppClient): Promise<void>;
  put(app: AppClient): Promise<void>;
  get(clientId: string): Promise<AppClient | undefined>;
  list(): Promise<AppClient[]>;
  /** False when there was no such client. */
  delete(clientId: string): Promise<boolean>;
}

/** How long the old secret keeps working after `rotate-secret` unless the operator says otherwise. */
export const DEFAULT_SECRET_GRACE_HOURS = 24;
export const MAX_SECRET_GRACE_HOURS = 24 * 30;
const CLIENT_ID = /^[A-Za-z0-9._-]{3,64}$/;
const MAX_URIS = 10;

export interface AppRegistration {
  readonly name: string;
  readonly redirectUris: readonly string[];
  readonly postLogoutRedirectUris?: readonly string[];
  readonly backchannelLogoutUri?: string;
  readonly initiateLoginUri?: string;
  readonly clientId?: string;
}

export interface AppDeps {
  readonly apps: AppClientRepository;
  readonly clock: Clock;
  /** http is allowed for 127.0.0.1 and localhost only in the twin (`local`). */
  readonly runtimeMode: 'local' | 'deployed';
}

/**
 * A URI an app registers: absolute, https (http only for 127.0.0.1/localhost on the twin), no fragment,
 * no credentials. `field` names the flag or field in the message.
 */
export function checkAppUri(raw: string, field: string, runtimeMode: 'local' | 'deployed'): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new InvalidInputError(`${field}: not an absolute URL (expected https://…)`);
  }
  if (raw.length > 2000) throw new InvalidInputError(`${field}: longer than 2000 characters`);
  if (url.hash || raw.includes('#')) throw new InvalidInputError(`${field}: must not contain a fragment (#…)`);
  if (url.username || url.password) throw new InvalidInputError(`${field}: must not contain credentials`);
  const loopback = url.hostname === '127.0.0.1' || url.hostname === 'localhost';
  if (url.protocol === 'https:') return url.href;
  if (url.protocol === 'http:' && loopback && runtimeMode === 'local') return url.href;
  throw new InvalidInputError(`${field}: must use https${runtimeMode === 'local' ? ' (http only for 127.0.0.1 or localhost)' : ''}`);
}

function checkRegistration(input: AppRegistration, runtimeMode: 'local' | 'deployed') {
  const name = input.name.trim();
  if (name === '' || name.length > 100) throw new InvalidInputError('name: give 1 to 100 characters');
  if (input.redirectUris.length === 0) throw new InvalidInputError('redirect-uri: at least one is needed');
  const listed = (uris: readonly string[], field: string) => {
    if (uris.length > MAX_URIS) throw new InvalidInputError(`${field}: at most ${MAX_URIS}`);
    return [...new Set(uris.map((uri) => checkAppUri(uri, field, runtimeMode)))];
  };
  if (input.clientId !== undefined && !CLIENT_ID.test(input.clientId)) throw new InvalidInputError('client-id: 3 to 64 letters, digits, dots, dashes or underscores');
  return {
    name,
    redirectUris: listed(input.redirectUris, 'redirect-uri'),
    postLogoutRedirectUris: listed(input.postLogoutRedirectUris ?? [], 'post-logout-redirect-uri'),
    ...(input.backchannelLogoutUri ? { backchannelLogoutUri: checkAppUri(input.backchannelLogoutUri, 'backchannel-logout-uri', runtimeMode) } : {}),
    ...(input.initiateLoginUri ? { initiateLoginUri: checkAppUri(input.initiateLoginUri, 'initiate-login-uri', runtimeMode) } : {}),
  };
}

/** What an operator sees of an app: never a secret or its hash. */
export function appView(app: AppClient) {
  const { secretHash: _secret, previousSecretHash: _previous, ...rest } = app;
  return { ...rest, previousSecretValid: Boolean(app.previousSecretHash) };
}

/** Registers an app; the secret is in the answer only. */
export async function createApp(deps: AppDeps, input: AppRegistration): Promise<{ app: AppClient; clientSecret: string }> {
  const checked = checkRegistration(input, deps.runtimeMode);
  const now = deps.clock.now().toISOString();
  const clientSecret = newSecret();
  const app: AppClient = { clientId: input.clientId ?? `app_${newSecret().slice(0, 22)}`, ...checked, secretHash: sha256Hex(clientSecret), createdAt: now, updatedAt: now };
  await deps.apps.create(app);
  return { app, clientSecret };
}

export async function getApp(apps: AppClientRepository, clientId: string): Promise<AppClient> {
  const app = CLIENT_ID.test(clientId) ? await apps.get(clientId) : undefined;
  if (!app) throw new NotFoundError('there is no app with this client ID');
  return app;
}

/** A new secret; the old one stays valid for `graceHours` (0: at once invalid). */
export async function rotateAppSecret(deps: AppDeps, clientId: string, graceHours = DEFAULT_SECRET_GRACE_HOURS): Promise<{ app: AppClient; clientSecret: string }> {
  if (!Number.isFinite(graceHours) || graceHours < 0 || graceHours > MAX_SECRET_GRACE_HOURS) throw new InvalidInputError(`grace-hours: between 0 and ${MAX_SECRET_GRACE_HOURS}`);
  const current = await getApp(deps.apps, clientId);
  const now = deps.clock.now();
  const clientSecret = newSecret();
  const { previousSecretHash: _h, previousSecretValidUntil: _u, ...rest } = current;
  const app: AppClient = {
    ...rest,
    secretHash: sha256Hex(clientSecret),
    ...(graceHours > 0 ? { previousSecretHash: current.secretHash, previousSecretValidUntil: new Date(now.getTime() + graceHours * 3_600_000).toISOString() } : {}),
    updatedAt: now.toISOString(),
  };
  await deps.apps.put(app);
  return { app, clientSecret };
}

export async function deleteApp(apps: AppClientRepository, clientId: string): Promise<void> {
  // An ID no app can have never reaches storage (a 3 KB key would exceed DynamoDB's key size).
  if (!CLIENT_ID.test(clientId) || !(await apps.delete(clientId))) throw new NotFoundError('there is no app with this client ID');
}

/** Whether a presented secret is the app's current one, or its previous one within the grace period. */
export function appSecretMatches(app: Pick<AppClient, 'secretHash' | 'previousSecretHash' | 'previousSecretValidUntil'>, presented: string, now: Date): boolean {
  if (typeof presented !== 'string' || presented.length === 0 || presented.length > 512) return false;
  const hash = sha256Hex(presented);
  if (sameSecret(hash, app.secretHash)) return true;
  const graceOpen = app.previousSecretValidUntil !== undefined && Date.parse(app.previousSecretValidUntil) > now.getTime();
  return Boolean(app.previousSecretHash && graceOpen && sameSecret(hash, app.previousSecretHash));
}

