import { UsageError, type FlagSpec, type FlagValues } from './cli-args';
import type { CommandSpec } from './cli-commands';

type Json = Record<string, unknown>;
const enc = encodeURIComponent;
const clientFlag: FlagSpec = { name: 'client-id', kind: 'string', required: true, placeholder: 'ID', description: "the app's client ID" };

interface AppJson extends Json {
  clientId: string;
  name: string;
  redirectUris: string[];
  postLogoutRedirectUris: string[];
  backchannelLogoutUri?: string;
  initiateLoginUri?: string;
  previousSecretValidUntil?: string;
  createdAt: string;
}

function appSummary(app: AppJson): string {
  return [
    `${app.name} (${app.clientId})`,
    `  redirect URIs:             ${app.redirectUris.join(', ')}`,
    `  post-logout redirect URIs: ${app.postLogoutRedirectUris.join(', ') || '(none)'}`,
    `  back-channel logout URI:   ${app.backchannelLogoutUri ?? '(none)'}`,
    `  initiate-login URI:        ${app.initiateLoginUri ?? '(none)'}`,
    ...(app.previousSecretValidUntil ? [`  previous secret valid until ${app.previousSecretValidUntil}`] : []),
  ].join('\n');
}

const secretNotice = (r: Json) =>
  [`Client ID:     ${String(r.clientId)}`, `Client secret: ${String(r.clientSecret)}`, `Issuer:        ${String(r.issuer)}`, '', 'The secret is shown only now: store it in the app’s secret store.'].join('\n');

function graceHoursOf(flags: FlagValues): number | undefined {
  if (flags['grace-hours'] === undefined) return undefined;
  const hours = Number(flags['grace-hours']);
  if (!Number.isFinite(hours) || hours < 0) throw new UsageError(`--grace-hours must be a number of hours, 0 or more, got "${String(flags['grace-hours'])}"`);
  return hours;
}

/** `app create|list|show|rotate-secret|delete`: the product's apps (OIDC clients), through the operator API. */
export const appCommands: CommandSpec[] = [
  {
    words: ['app', 'create'],
    summary: 'register an app (an OIDC client); prints its client ID, its secret (once) and the issuer',
    flags: [
      { name: 'name', kind: 'string', required: true, placeholder: 'NAME', description: 'the app’s name' },
      { name: 'redirect-uri', kind: 'strings', required: true, placeholder: 'URI', description: 'a redirect URI (https; http only for 127.0.0.1/localhost on the twin); repeat for more' },
      { name: 'post-logout-redirect-uri', kind: 'strings', placeholder: 'URI', description: 'where RP-initiated logout may return; repeat for more' },
      { name: 'backchannel-logout-uri', kind: 'string', placeholder: 'URI', description: 'receives Back-Channel Logout tokens' },
      { name: 'initiate-login-uri', kind: 'string', placeholder: 'URI', description: 'OIDC third-party-initiated login (the default app lands sign-ins here)' },
      { name: 'client-id', kind: 'string', placeholder: 'ID', description: 'choose the client ID (default: generated)' },
    ],
    run: (call, f) =>
      call({
        method: 'POST',
        path: '/operator/apps',
        body: {
          name: f.name,
          redirectUris: f['redirect-uri'],
          ...(f['post-logout-redirect-uri'] ? { postLogoutRedirectUris: f['post-logout-redirect-uri'] } : {}),
          ...(f['backchannel-logout-uri'] ? { backchannelLogoutUri: f['backchannel-logout-uri'] } : {}),
          ...(f['initiate-login-uri'] ? { initiateLoginUri: f['initiate-login-uri'] } : {}),
          ...(f['client-id'] ? { clientId: f['client-id'] } : {}),
        },
      }),
    human: (r) => [`Registered ${appSummary(r.app as AppJson)}`, '', secretNotice(r)].join('\n'),
  },
  {
    words: ['app', 'list'],
    summary: 'list the registered apps',
    flags: [],
    run: (call) => call({ method: 'GET', path: '/operator/apps' }),
    human: (r) => {
      const apps = r.apps as AppJson[];
      return apps.length === 0 ? 'No apps yet. Register one: npm run admin -- app create --name NAME --redirect-uri URI' : apps.map(appSummary).join('\n\n');
    },
  },
  {
    words: ['app', 'show'],
    summary: 'show one app',
    flags: [clientFlag],
    run: (call, f) => call({ method: 'GET', path: `/operator/apps/${enc(f['client-id'] as string)}` }),
    human: (r) => `${appSummary(r.app as AppJson)}\n  issuer: ${String(r.issuer)}`,
  },
  {
    words: ['app', 'rotate-secret'],
    summary: 'give an app a new secret; the old one keeps working for --grace-hours (default 24)',
    flags: [clientFlag, { name: 'grace-hours', kind: 'string', placeholder: 'HOURS', description: 'how long the old secret stays valid (default 24; 0 ends it now)' }],
    run: (call, f) => {
      const graceHours = graceHoursOf(f);
      return call({ method: 'POST', path: `/operator/apps/${enc(f['client-id'] as string)}/rotate-secret`, body: graceHours === undefined ? {} : { graceHours } });
    },
    human: (r) => [secretNotice(r), r.previousSecretValidUntil ? `The previous secret stays valid until ${String(r.previousSecretValidUntil)}.` : 'The previous secret no longer works.'].join('\n'),
  },
  {
    words: ['app', 'delete'],
    summary: 'delete an app (its tokens stop working at once: its client is gone)',
    flags: [clientFlag],
    run: (call, f) => call({ method: 'DELETE', path: `/operator/apps/${enc(f['client-id'] as string)}` }),
    human: (r) => `Deleted app ${String(r.clientId)}.`,
  },
];
