import { readFile } from 'node:fs/promises';
import { UsageError, type FlagSpec, type FlagValues } from './cli-args';
import { OperatorRequestError, type OperatorRequest, type OperatorTransport } from './operator-client';

type Json = Record<string, unknown>;

/** One CLI command: its words, flags, the request(s) it makes and how a person reads the answer. */
export interface CommandSpec {
  readonly words: readonly string[];
  readonly summary: string;
  readonly flags: readonly FlagSpec[];
  /** Groups of flags of which exactly one must be given. */
  readonly exactlyOne?: readonly (readonly string[])[];
  /** Calls the operator API; the value returned is what `--json` prints. */
  run?(call: OperatorCall, flags: FlagValues): Promise<Json>;
  /** Instead of `run`: works without the operator API (sp-key works on the secret itself). */
  runDirect?(flags: FlagValues, env: Record<string, string | undefined>): Promise<Json>;
  human(result: Json, flags: FlagValues): string;
}

/** Makes one request and returns its JSON body, or throws OperatorRequestError with the server's message. */
export type OperatorCall = (request: OperatorRequest) => Promise<Json>;

const tenantFlag: FlagSpec = { name: 'tenant', kind: 'string', required: true, placeholder: 'ID', description: 'the tenant ID, e.g. t3k9x2m4p7q8r' };
const enc = encodeURIComponent;
const tenantPath = (flags: FlagValues, rest = '') => `/operator/tenants/${enc(flags.tenant as string)}${rest}`;

function lines(...parts: (string | false | undefined)[]): string {
  return parts.filter((part): part is string => typeof part === 'string').join('\n');
}

/** `key: value` lines for a flat-ish object; nested objects are indented. */
export function describe(value: unknown, indent = ''): string {
  if (value === null || typeof value !== 'object') return `${indent}${String(value)}`;
  const out: string[] = [];
  for (const [key, inner] of Object.entries(value as Json)) {
    if (inner === undefined) continue;
    if (Array.isArray(inner)) {
      if (inner.every((item) => item === null || typeof item !== 'object')) out.push(`${indent}${key}: ${inner.join(', ') || '(none)'}`);
      else out.push(`${indent}${key}:`, ...inner.map((item) => `${describe(item, indent + '    ').replace(/^(\s*)/, '$1- ')}`));
    } else if (inner !== null && typeof inner === 'object') out.push(`${indent}${key}:`, describe(inner, indent + '  '));
    else out.push(`${indent}${key}: ${String(inner)}`);
  }
  return out.join('\n');
}

interface TenantJson extends Json {
  tenantId: string;
  name: string;
  plan: string;
  domains: string[];
  sso?: { state?: string };
  scim?: { enabled?: boolean };
  urls?: Record<string, string>;
}

function tenantSummary(t: TenantJson): string {
  return lines(
    `${t.name} (${t.tenantId})`,
    `  plan:     ${t.plan}`,
    `  domains:  ${t.domains.join(', ')}`,
    `  SSO:      ${t.sso?.state ?? 'unknown'}`,
    `  SCIM:     ${t.scim?.enabled ? 'enabled' : 'disabled'}`,
    t.urls && `  SP Entity ID / metadata URL: ${t.urls.spEntityId}`,
    t.urls && `  ACS URL:                     ${t.urls.acsUrl}`,
    t.urls && `  Initiate login URL:          ${t.urls.initiateLoginUrl}`,
  );
}

export const operatorCommands: CommandSpec[] = [
  {
    words: ['tenant', 'create'],
    summary: 'create a tenant (trial unless --plan paid)',
    flags: [
      { name: 'name', kind: 'string', required: true, placeholder: 'NAME', description: 'the company name' },
      { name: 'domain', kind: 'strings', required: true, placeholder: 'DOMAIN', description: 'an email domain of the tenant; repeat for more' },
      { name: 'plan', kind: 'string', choices: ['trial', 'paid'], placeholder: 'trial|paid', description: 'the plan (default trial)' },
    ],
    run: (call, f) => call({ method: 'POST', path: '/operator/tenants', body: { name: f.name, domains: f.domain, ...(f.plan ? { plan: f.plan } : {}) } }),
    human: (r) => `Created tenant ${tenantSummary(r as TenantJson)}`,
  },
  {
    words: ['tenant', 'list'],
    summary: 'list tenants, oldest first',
    flags: [{ name: 'limit', kind: 'string', placeholder: 'N', description: 'at most N tenants (default: all)' }],
    run: async (call, f) => {
      const max = f.limit === undefined ? Infinity : Number(f.limit);
      if (!Number.isInteger(max) && max !== Infinity) throw new UsageError(`--limit must be a whole number, got "${String(f.limit)}"`);
      if (max < 1) throw new UsageError('--limit must be at least 1');
      const tenants: unknown[] = [];
      let cursor: string | undefined;
      do {
        const size = Math.min(100, max - tenants.length);
        const page = await call({ method: 'GET', path: `/operator/tenants?limit=${size}${cursor ? `&cursor=${enc(cursor)}` : ''}` });
        tenants.push(...(page.tenants as unknown[]));
        cursor = page.nextCursor as string | undefined;
      } while (cursor && tenants.length < max);
      return { tenants, ...(cursor ? { nextCursor: cursor } : {}) };
    },
    human: (r) => {
      const tenants = r.tenants as TenantJson[];
      if (tenants.length === 0) return 'No tenants yet. Create one: npm run admin -- tenant create --name NAME --domain DOMAIN';
      const rows = tenants.map((t) => [t.tenantId, t.plan, t.sso?.state ?? '', t.scim?.enabled ? 'on' : 'off', t.name, t.domains.join(',')]);
      const header = ['TENANT', 'PLAN', 'SSO', 'SCIM', 'NAME', 'DOMAINS'];
      const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
      return [header, ...rows].map((row) => row.map((cell, i) => cell.padEnd(widths[i]!)).join('  ').trimEnd()).join('\n');
    },
  },
  {
    words: ['tenant', 'show'],
    summary: 'show one tenant and the URLs its admin copies into Okta',
    flags: [tenantFlag],
    run: (call, f) => call({ method: 'GET', path: tenantPath(f) }),
    human: (r) => tenantSummary(r as TenantJson),
  },
  {
    words: ['tenant', 'upgrade'],
    summary: 'move a tenant from the trial to the paid plan',
    flags: [tenantFlag],
    run: (call, f) => call({ method: 'POST', path: tenantPath(f, '/upgrade') }),
    human: (r) => `Tenant ${String(r.tenantId)} is on the ${String(r.plan)} plan.`,
  },
  {
    words: ['sso', 'set-metadata'],
    summary: "import the tenant's IdP metadata (a URL to fetch, or an XML file) as the draft",
    flags: [
      tenantFlag,
      { name: 'url', kind: 'string', placeholder: 'URL', description: "the IdP's metadata URL (Okta: Metadata URL)" },
      { name: 'file', kind: 'string', placeholder: 'FILE', description: 'a metadata XML file' },
    ],
    exactlyOne: [['url', 'file']],
    run: async (call, f) => {
      let body: Json;
      if (f.url !== undefined) body = { url: f.url };
      else {
        try {
          body = { xml: await readFile(f.file as string, 'utf8') };
        } catch (error) {
          throw new UsageError(`--file: cannot read ${String(f.file)} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
        }
      }
      return call({ method: 'PUT', path: tenantPath(f, '/sso/metadata'), body });
    },
    human: (r) => lines('Metadata imported as the draft.', describe(r), '', 'Next: npm run admin -- sso test --tenant <ID>'),
  },
  {
    words: ['sso', 'test'],
    summary: 'get the URL that starts a Test SAML login of the draft',
    flags: [tenantFlag],
    run: (call, f) => call({ method: 'POST', path: tenantPath(f, '/sso/test') }),
    human: (r) => lines('Open this URL in a browser to test the draft (it works once):', `  ${String(r.testUrl)}`),
  },
  {
    words: ['sso', 'status'],
    summary: 'show the SP URLs and the draft, test and active SAML state',
    flags: [tenantFlag],
    run: (call, f) => call({ method: 'GET', path: tenantPath(f, '/sso') }),
    human: (r) => describe(r),
  },
  {
    words: ['sso', 'activate'],
    summary: 'make the tested draft the active SAML configuration',
    flags: [tenantFlag],
    run: (call, f) => call({ method: 'POST', path: tenantPath(f, '/sso/activate') }),
    human: (r) => lines('The draft is now active.', describe(r)),
  },
  {
    words: ['sso', 'rollback'],
    summary: 'restore the SAML configuration active before the last activation',
    flags: [tenantFlag],
    run: (call, f) => call({ method: 'POST', path: tenantPath(f, '/sso/rollback') }),
    human: (r) => lines('Rolled back to the previous configuration.', describe(r)),
  },
  {
    words: ['scim', 'enable'],
    summary: 'turn SCIM provisioning on and print the SCIM base URL',
    flags: [tenantFlag],
    run: (call, f) => call({ method: 'POST', path: tenantPath(f, '/scim/enable') }),
    human: (r) => lines('SCIM provisioning is enabled.', `  SCIM base URL: ${String(r.baseUrl)}`, '', 'Next: npm run admin -- scim token create --tenant <ID>'),
  },
  {
    words: ['scim', 'disable'],
    summary: 'turn SCIM provisioning off (tokens stop working)',
    flags: [tenantFlag],
    run: (call, f) => call({ method: 'POST', path: tenantPath(f, '/scim/disable') }),
    human: () => 'SCIM provisioning is disabled.',
  },
  {
    words: ['scim', 'token', 'create'],
    summary: 'create a SCIM bearer token (shown this once)',
    flags: [tenantFlag],
    run: (call, f) => call({ method: 'POST', path: tenantPath(f, '/scim/tokens') }),
    human: (r) => lines(`SCIM token ${String(r.tokenId)} (copy it now: it is not shown again):`, '', `  ${String(r.token)}`, ''),
  },
  {
    words: ['scim', 'token', 'list'],
    summary: "list a tenant's SCIM tokens (hints only)",
    flags: [tenantFlag],
    run: (call, f) => call({ method: 'GET', path: tenantPath(f, '/scim/tokens') }),
    human: (r) => {
      const tokens = (r.tokens as Json[] | undefined) ?? [];
      if (tokens.length === 0) return 'No SCIM tokens.';
      return tokens.map((t) => `${String(t.tokenId)}  ${String(t.hint)}…  created ${String(t.createdAt)}  last used ${String(t.lastUsedAt ?? 'never')}`).join('\n');
    },
  },
  {
    words: ['scim', 'token', 'revoke'],
    summary: 'revoke a SCIM token at once',
    flags: [tenantFlag, { name: 'token-id', kind: 'string', required: true, placeholder: 'TOKEN_ID', description: 'the token to revoke (see scim token list)' }],
    run: (call, f) => call({ method: 'DELETE', path: tenantPath(f, `/scim/tokens/${enc(f['token-id'] as string)}`) }),
    human: (_r, f) => `SCIM token ${String(f['token-id'])} revoked.`,
  },
  {
    words: ['console', 'link'],
    summary: "issue a one-time sign-in link to the tenant's admin console (works once, for 15 minutes)",
    flags: [tenantFlag, { name: 'email', kind: 'string', required: true, placeholder: 'EMAIL', description: "the admin's email address (made a console admin at sign-in)" }],
    run: (call, f) => call({ method: 'POST', path: tenantPath(f, '/console-links'), body: { email: f.email } }),
    human: (r, f) => lines(`One-time console sign-in link for ${String(f.email)} (works once, until ${String(r.expiresAt)}):`, '', `  ${String(r.url)}`, ''),
  },
];

/** Runs a command's requests through a transport, turning non-2xx answers into OperatorRequestError. */
export function operatorCall(transport: OperatorTransport): OperatorCall {
  return async (request) => {
    const response = await transport(request);
    const body = response.body;
    if (response.status >= 200 && response.status < 300) return body !== null && typeof body === 'object' ? (body as Json) : {};
    const server = body as { error?: { message?: string }; Message?: string; message?: string } | undefined;
    const message = server?.error?.message ?? server?.Message ?? server?.message ?? (typeof body === 'string' && body !== '' ? body : `HTTP ${response.status}`);
    throw new OperatorRequestError(message, response.status, body);
  };
}
