import { z } from 'zod/v3';
import type { ActivityLog } from '../../core/activity/events';
import { systemClock, type Clock } from '../../core/clock';
import { InvalidInputError } from '../../core/errors';
import type { GroupRepository, UserRepository } from '../../core/identity/ports';
import { createScimToken, disableScim, enableScim, listScimTokens, revokeScimToken } from '../../core/provisioning/scim-tokens';
import type { SecretStore } from '../../core/secrets';
import type { EphemeralStore, SessionStore } from '../../core/sessions/ports';
import type { ScimTokenRepository, TenantRepository } from '../../core/tenancy/ports';
import type { Logger } from '../../http/logger';
import { bodyText, type HttpEvent, type HttpResult } from '../../http/request';
import { json } from '../../http/responses';
import { idpMetadataSource } from '../../adapters/saml-metadata/index';
import { SamlConfiguration } from '../../core/sso/configuration';
import type { Route } from '../router';
import { createConsole } from './index';
import { issueConsoleLink } from './links';
import { PublishedSpCertificates } from './published-sp-certificates';
import type { ConsoleDeps, ConsoleScimService, ConsoleSsoService, ConsoleUrls } from './ports';

export interface ConsoleRuntime {
  readonly tenants: TenantRepository;
  readonly users: UserRepository;
  readonly groups: GroupRepository;
  readonly sessions: SessionStore;
  readonly ephemeral: EphemeralStore;
  readonly activity: ActivityLog;
  readonly scimTokens: ScimTokenRepository;
  readonly secrets: SecretStore;
  readonly scimTokenSecretPrefix: string;
  /** PUBLIC_BASE_URL; when absent, derived from the request's domain. */
  readonly publicBaseUrl?: string;
  /** ADMIN_PUBLIC_URL; when absent, derived from the request's domain. */
  readonly adminPublicUrl?: string;
  readonly runtimeMode: 'deployed' | 'local';
  readonly clock?: Clock;
  readonly logger?: Logger;
}

const trim = (url: string): string => url.replace(/\/+$/, '');

/** The console's base URLs: configured, else the domain the request came to. */
export function consoleUrls(runtime: Pick<ConsoleRuntime, 'publicBaseUrl' | 'adminPublicUrl'>): (event: HttpEvent) => ConsoleUrls {
  return (event) => {
    const own = `https://${event.requestContext.domainName}`;
    return { api: trim(runtime.publicBaseUrl ?? own), admin: trim(runtime.adminPublicUrl ?? own) };
  };
}

/** The console's dependencies, over the same use cases the operator API calls. */
export function consoleDeps(runtime: ConsoleRuntime): ConsoleDeps {
  const clock = runtime.clock ?? systemClock;
  const urlsOf = consoleUrls(runtime);
  // The admin Lambda cannot see the API's domain: PUBLIC_BASE_URL is set wherever Test SAML must work.
  const saml = new SamlConfiguration({
    tenants: runtime.tenants,
    ephemeral: runtime.ephemeral,
    activity: runtime.activity,
    clock,
    apiBaseUrl: trim(runtime.publicBaseUrl ?? 'https://api.invalid'),
    metadata: idpMetadataSource({ mode: runtime.runtimeMode }),
  });
  const samlConfiguration = () => saml;
  const spCertificates = runtime.publicBaseUrl ? new PublishedSpCertificates(trim(runtime.publicBaseUrl), clock) : undefined;

  const sso: ConsoleSsoService = {
    setMetadata: async (tenantId, source, actor) => {
      await samlConfiguration().setMetadata(tenantId, source, actor);
    },
    startTest: async (tenantId, actor) => ({ testUrl: (await samlConfiguration().startTest(tenantId, actor)).testUrl }),
    activate: async (tenantId, actor) => {
      await samlConfiguration().activate(tenantId, actor);
    },
    rollback: async (tenantId, actor) => {
      await samlConfiguration().rollback(tenantId, actor);
    },
    updateSettings: async (tenantId, settings, actor) => {
      await samlConfiguration().updateSettings(tenantId, settings, actor);
    },
    spCertificates: async (tenantId) => (spCertificates ? spCertificates.forTenant(tenantId) : []),
  };
  const tokenDeps = { tenants: runtime.tenants, scimTokens: runtime.scimTokens, secrets: runtime.secrets, activity: runtime.activity, clock, secretPrefix: runtime.scimTokenSecretPrefix };
  const scim: ConsoleScimService = {
    enable: async (tenantId, actor) => {
      await enableScim(tokenDeps, tenantId, actor);
    },
    disable: async (tenantId, actor) => {
      await disableScim(tokenDeps, tenantId, actor);
    },
    createToken: async (tenantId, actor) => {
      const created = await createScimToken(tokenDeps, tenantId, actor);
      return { token: created.token, tokenId: created.tokenId };
    },
    listTokens: (tenantId) => listScimTokens(tokenDeps, tenantId),
    revokeToken: (tenantId, tokenId, actor) => revokeScimToken(tokenDeps, tenantId, tokenId, actor),
  };
  return {
    tenants: runtime.tenants,
    users: runtime.users,
    groups: runtime.groups,
    sessions: runtime.sessions,
    ephemeral: runtime.ephemeral,
    activity: runtime.activity,
    sso,
    scim,
    urls: urlsOf,
    secureCookies: runtime.runtimeMode !== 'local',
    clock,
    logger: runtime.logger,
  };
}

/** The console as the admin handler's surface seam: a 404 JSON for paths that are not the console's. */
export function composeConsole(runtime: ConsoleRuntime): (event: HttpEvent) => Promise<HttpResult> {
  const handle = createConsole(consoleDeps(runtime));
  return async (event) => (await handle(event)) ?? json(404, { error: { code: 'not_found', message: `no route for ${event.requestContext.http.method} ${event.rawPath}` } });
}

const consoleLinkBody = z.object({ email: z.string().trim().min(3).max(320) }).strict();

/** `POST /operator/tenants/{tenantId}/console-links {email}` → `{ url, expiresAt }`: a one-time console sign-in link. */
export function consoleOperatorRoutes(runtime: Pick<ConsoleRuntime, 'tenants' | 'ephemeral' | 'activity' | 'adminPublicUrl' | 'clock'>): Route[] {
  return [
    {
      method: 'POST',
      pattern: '/operator/tenants/{tenantId}/console-links',
      handler: async ({ event, params }) => {
        let body: unknown;
        try {
          body = JSON.parse(bodyText(event) ?? '');
        } catch {
          throw new InvalidInputError('the body must be JSON: {"email": "admin@example.com"}');
        }
        const parsed = consoleLinkBody.safeParse(body);
        if (!parsed.success) throw new InvalidInputError('the body must be {"email": "admin@example.com"}');
        const adminUrl = trim(runtime.adminPublicUrl ?? `https://${event.requestContext.domainName}`);
        const link = await issueConsoleLink({ ...runtime, adminUrl }, params.tenantId!, parsed.data.email);
        return json(201, link);
      },
    },
  ];
}
