/** The example app's settings, read once from the environment so every other file takes plain values. */
export interface ExampleAppConfig {
  /** natoma-sso's issuer: the twin's API base URL, e.g. http://127.0.0.1:3000. */
  readonly issuer: string;
  readonly clientId: string;
  readonly clientSecret: string;
  /** Where this app answers, as the browser sees it; redirect URIs are built from it. */
  readonly appUrl: string;
  readonly port: number;
  /** The shared key natoma-sso sends in `x-api-key` with each directory event; unset = the events endpoint refuses all. */
  readonly eventsWebhookKey?: string;
  /** Scopes asked for at sign-in. */
  readonly scope: string;
}

export class ConfigError extends Error {}

export function configFromEnv(env: Record<string, string | undefined>): ExampleAppConfig {
  const required = (name: string): string => {
    const value = env[name]?.trim();
    if (!value) throw new ConfigError(`${name} is required (see examples/app/README.md)`);
    return value;
  };
  const port = Number(env.PORT?.trim() || 3002);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new ConfigError(`PORT must be a port number, got "${env.PORT}"`);
  const issuer = required('ISSUER').replace(/\/+$/, '');
  if (!URL.canParse(issuer)) throw new ConfigError('ISSUER must be a URL, e.g. http://127.0.0.1:3000');
  const appUrl = (env.APP_URL?.trim() || `http://127.0.0.1:${port}`).replace(/\/+$/, '');
  if (!URL.canParse(appUrl)) throw new ConfigError('APP_URL must be a URL, e.g. http://127.0.0.1:3002');
  return {
    issuer,
    clientId: required('CLIENT_ID'),
    clientSecret: required('CLIENT_SECRET'),
    appUrl,
    port,
    eventsWebhookKey: env.EVENTS_WEBHOOK_KEY?.trim() || undefined,
    scope: env.SCOPE?.trim() || 'openid email profile',
  };
}
