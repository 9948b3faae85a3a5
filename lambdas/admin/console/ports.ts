import type { Clock } from '../../core/clock';
import type { TenantId } from '../../core/ids';
import type { ScimTokenRecord } from '../../core/tenancy/ports';
import type { Logger } from '../../http/logger';
import type { HttpEvent } from '../../http/request';
import type { IdentityStores } from '../../core/stores';

/** Who acted, as recorded in activity events: `user:<id>` for a console admin. */
export type Actor = string;

export type MetadataSource = { readonly url: string } | { readonly xml: string };

/**
 * The SAML configuration use cases the console calls (the operator API calls the same ones).
 * Failures are DomainErrors whose messages are shown to the admin as they are.
 */
export interface ConsoleSsoService {
  setMetadata(tenantId: TenantId, source: MetadataSource, actor: Actor): Promise<void>;
  /** Starts Test SAML of the current draft: the URL that begins the real login round trip. */
  startTest(tenantId: TenantId, actor: Actor): Promise<{ testUrl: string }>;
  activate(tenantId: TenantId, actor: Actor): Promise<void>;
  rollback(tenantId: TenantId, actor: Actor): Promise<void>;
  updateSettings(tenantId: TenantId, settings: { allowIdpInitiated?: boolean; jitProvisioning?: boolean }, actor: Actor): Promise<void>;
  /** The SP certificates published in the metadata (two during a key rollover). */
  spCertificates(tenantId: TenantId): Promise<string[]>;
}

/** The SCIM enablement and token use cases the console calls. */
export interface ConsoleScimService {
  enable(tenantId: TenantId, actor: Actor): Promise<void>;
  disable(tenantId: TenantId, actor: Actor): Promise<void>;
  /** The token is returned this once; only its hash is kept. */
  createToken(tenantId: TenantId, actor: Actor): Promise<{ token: string; tokenId: string }>;
  listTokens(tenantId: TenantId): Promise<ScimTokenRecord[]>;
  revokeToken(tenantId: TenantId, tokenId: string, actor: Actor): Promise<void>;
}

/** Public base URLs, without a trailing slash. */
export interface ConsoleUrls {
  /** The public API (SAML endpoints, SCIM): `PUBLIC_BASE_URL`. */
  readonly api: string;
  /** The console itself: `ADMIN_PUBLIC_URL`. */
  readonly admin: string;
}

export interface ConsoleDeps extends IdentityStores {
  readonly sso: ConsoleSsoService;
  readonly scim: ConsoleScimService;
  /** Fixed URLs, or derived per request (e.g. from the Function URL's domain) when not configured. */
  readonly urls: ConsoleUrls | ((event: HttpEvent) => ConsoleUrls);
  /** Cookies get `Secure` unless the console runs in the local twin over http. */
  readonly secureCookies: boolean;
  readonly clock?: Clock;
  readonly logger?: Logger;
}
