import { systemClock, type Clock } from '../../core/clock';
import { createScimToken, disableScim, enableScim, listScimTokens, revokeScimToken } from '../../core/provisioning/scim-tokens';
import type { SecretStore } from '../../core/secrets';
import type { ScimTokenRepository } from '../../core/tenancy/ports';
import type { Logger } from '../../http/logger';
import type { HttpEvent } from '../../http/request';
import { adminUseCases, type AdminUseCases } from '../use-cases';
import { PublishedSpCertificates } from './published-sp-certificates';
import type { ConsoleDeps, ConsoleScimService, ConsoleSsoService, ConsoleUrls } from './ports';

/** What the console is configured with, whatever store backs it. */
export interface ConsoleConfig {
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

/** The console's stores (the ones its use cases read and write) and its configuration. */
export interface ConsoleRuntime extends ConsoleConfig, Pick<ConsoleDeps, 'tenants' | 'users' | 'groups' | 'sessions' | 'ephemeral' | 'activity'> {
  readonly scimTokens: ScimTokenRepository;
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
export function consoleDeps(runtime: ConsoleRuntime, useCases: AdminUseCases = adminUseCases(runtime)): ConsoleDeps {
  const clock = runtime.clock ?? systemClock;
  const urlsOf = consoleUrls(runtime);
  const samlConfiguration = useCases.saml;
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
  const tokenDeps = useCases.tokens;
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
