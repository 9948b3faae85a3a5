import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { ActivityEvent, ActivityLog } from '../core/activity/events';
import type { Clock } from '../core/clock';
import { ConflictError, PreconditionFailedError } from '../core/errors';
import type { TenantId } from '../core/ids';
import { asUserId } from '../core/ids';
import type { GroupRepository, UserRepository } from '../core/identity/ports';
import { normaliseEmail, type User } from '../core/identity/user';
import type { EphemeralStore, SessionStore, SignInRecord, SignInWriter } from '../core/sessions/ports';
import type { TenantRepository } from '../core/tenancy/ports';
import { UPGRADE_REQUIRED_MESSAGE, type IdpConfig, type SamlProblem, type SamlTestOutcome, type Tenant } from '../core/tenancy/tenant';
import { SamlConfiguration } from './configuration';
import { diagnose } from './diagnose';
import { decodeSamlResponse, guardResponse, type GuardedResponse } from './response-guard';
import { samlFor, validateResponse, type ValidatedAssertion } from './response-validator';
import { SamlLoginError } from './saml-errors';
import type { SpKeyringProvider } from './sp-credentials';
import { spUrls } from '../core/tenancy/urls';
import { attr, parseXmlStrict } from './xml';

export type LoginPurpose = 'login' | 'test' | 'admin';

/** What `saml-request:<id>` holds: the login state, server-side, so the cross-site ACS POST needs no cookie. */
export interface StoredRequest {
  readonly tenantId: string;
  readonly configId: string;
  readonly purpose: LoginPurpose;
  /** A path of ours to land on (only ever a vetted relative path). */
  readonly relay?: string;
}

export const REQUEST_TTL_SEC = 10 * 60;
export const SESSION_TTL_SEC = 8 * 60 * 60;
export const ADMIN_LINK_TTL_SEC = 120;
export const SESSION_COOKIE = 'natoma_session';
export const requestKey = (id: string): string => `saml-request:${id}`;
export const assertionKey = (tenantId: string, id: string): string => `saml-assertion:${tenantId}:${id}`;
export const sha256Hex = (value: string): string => createHash('sha256').update(value).digest('hex');

// RelayState and target_link_uri can only ever lead to our own pages.
const SAFE_RELAY = /^\/dashboard(?:\?[A-Za-z0-9_.~%=&-]{0,200})?$/;
export const safeRelay = (relay: string | undefined): string | undefined => (relay !== undefined && SAFE_RELAY.test(relay) ? relay : undefined);

export interface SamlLoginDeps {
  readonly tenants: TenantRepository;
  readonly users: UserRepository;
  readonly groups: GroupRepository;
  readonly sessions: SessionStore;
  readonly ephemeral: EphemeralStore;
  readonly activity: ActivityLog;
  /** A sign-in's replay marker, session or console grant, and events, all or none (one transaction on DynamoDB). */
  readonly signIns?: SignInWriter;
  /** Tenant reads of the ACS for sign-ins (a short per-container cache, tenant-cache.ts); Test SAML reads `tenants`. */
  readonly cachedTenants?: Pick<TenantRepository, 'get'>;
  readonly keyring: SpKeyringProvider;
  readonly clock: Clock;
  readonly runtimeMode: 'local' | 'deployed';
}

export type AcsOutcome =
  | { readonly kind: 'session'; readonly cookieValue: string; readonly location: string; readonly user: User; readonly tenant: Tenant }
  | { readonly kind: 'test'; readonly tenant: Tenant; readonly outcome: SamlTestOutcome; readonly recorded: boolean }
  | { readonly kind: 'admin-link'; readonly code: string; readonly tenant: Tenant; readonly user: User };

export type LoginStart = { readonly kind: 'redirect'; readonly location: string } | { readonly kind: 'post'; readonly url: string; readonly fields: Record<string, string> };

/** SP-initiated login, ACS consumption, JIT provisioning and app sessions (framework-free). */
export class SamlLogin {
  constructor(private readonly deps: SamlLoginDeps) {}

  /** Stores the request state under its ID and returns how to send the browser to the IdP. */
  async start(tenant: Tenant, config: IdpConfig, purpose: LoginPurpose, apiBaseUrl: string, relay?: string): Promise<LoginStart> {
    const urls = spUrls(apiBaseUrl, tenant.id);
    const id = `_${randomBytes(20).toString('hex')}`;
    const record: StoredRequest = { tenantId: tenant.id, configId: config.configId, purpose, ...(safeRelay(relay) ? { relay: safeRelay(relay) } : {}) };
    await this.deps.ephemeral.put(requestKey(id), JSON.stringify(record), new Date(this.deps.clock.now().getTime() + REQUEST_TTL_SEC * 1000));
    const keyring = config.wantAuthnRequestsSigned ? await this.deps.keyring.get() : undefined;
    const saml = samlFor({ idp: config, spEntityId: urls.spEntityId, acsUrl: urls.acsUrl, clockSkewSec: tenant.sso.clockSkewSec, requestId: id, signingKeyPem: keyring?.current.privateKeyPem, generateUniqueId: () => id, usePost: !config.ssoRedirectUrl });
    if (config.ssoRedirectUrl) return { kind: 'redirect', location: await saml.getAuthorizeUrlAsync('', undefined, {}) };
    const form = await saml.getAuthorizeFormAsync('', undefined, {});
    const fields: Record<string, string> = {};
    for (const match of form.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)"/g)) fields[match[1]!] = match[2]!.replace(/&#x([0-9a-f]+);|&(amp|quot|lt|gt);/gi, (_m, hex: string, named: string) => (hex ? String.fromCharCode(parseInt(hex, 16)) : ({ amp: '&', quot: '"', lt: '<', gt: '>' } as Record<string, string>)[named.toLowerCase()]!));
    return { kind: 'post', url: config.ssoPostUrl!, fields };
  }

  /** Validates a response POSTed to the ACS of `tenantId` and acts on it according to the stored request's purpose. */
  async consume(tenantId: TenantId, samlResponse: string | undefined, apiBaseUrl: string, correlationId: string): Promise<AcsOutcome> {
    const xml = decodeSamlResponse(samlResponse);
    // The tenant read overlaps with the structural checks (CPU); nothing is trusted before both are done.
    const tenantRead = (this.deps.cachedTenants ?? this.deps.tenants).get(tenantId);
    tenantRead.catch(() => undefined);
    const keyring = await this.deps.keyring.get();
    let guarded: GuardedResponse;
    try {
      guarded = await guardResponse(xml, [keyring.current.privateKeyPem, ...(keyring.next ? [keyring.next.privateKeyPem] : [])]);
    } catch (error) {
      // A structural refusal (e.g. a SHA-1 signature) during Test SAML is a finding to report, not only an error.
      if (error instanceof SamlLoginError) {
        const test = await this.failedTestFromRefusal(tenantId, xml, error, apiBaseUrl);
        if (test) return test;
      }
      throw error;
    }
    const requestRead = guarded.inResponseTo !== undefined ? this.deps.ephemeral.take(requestKey(guarded.inResponseTo)) : Promise.resolve(undefined);
    requestRead.catch(() => undefined);
    let tenant = await tenantRead;
    if (!tenant) throw new SamlLoginError('unknown-tenant', 'This sign-in address is not known.', [], 404);

    let request: StoredRequest;
    if (guarded.inResponseTo !== undefined) {
      const stored = await requestRead;
      const parsed = stored ? (JSON.parse(stored) as StoredRequest) : undefined;
      if (!parsed || parsed.tenantId !== tenantId) {
        throw new SamlLoginError('in-response-to', 'This sign-in response does not answer a sign-in we started, or it was already used or has expired. Please sign in again.');
      }
      request = parsed;
    } else {
      if (!tenant.sso.allowIdpInitiated) throw new SamlLoginError('unsolicited-disabled', 'Your organisation does not allow signing in from the identity provider’s dashboard. Start at the sign-in page instead.', [], 403);
      request = { tenantId, configId: tenant.sso.active?.configId ?? '', purpose: 'login' };
    }

    const urls = spUrls(apiBaseUrl, tenantId);
    const now = this.deps.clock.now();
    if (request.purpose === 'test') {
      // Test SAML acts on the draft the admin just saved: never on a cached tenant item.
      if (this.deps.cachedTenants) tenant = await this.deps.tenants.get(tenantId);
      if (!tenant) throw new SamlLoginError('unknown-tenant', 'This sign-in address is not known.', [], 404);
      const draft = tenant.sso.draft;
      if (!draft || draft.configId !== request.configId) throw new SamlLoginError('draft-changed', 'The draft configuration changed while this test was running. Start Test SAML again.', [], 409);
      const context = { idp: draft, spEntityId: urls.spEntityId, acsUrl: urls.acsUrl, clockSkewSec: tenant.sso.clockSkewSec, now };
      let outcome: SamlTestOutcome;
      try {
        const assertion = await validateResponse(guarded, { ...context, requestId: guarded.inResponseTo });
        await this.rememberAssertion(tenantId, assertion);
        const missing = diagnose(guarded, context).filter((p) => p.code === 'missing-email');
        outcome = missing.length ? { status: 'failed', at: now.toISOString(), problems: missing } : { status: 'passed', at: now.toISOString(), attributes: assertion.attributes, nameId: assertion.nameId };
      } catch (error) {
        if (!(error instanceof SamlLoginError)) throw error;
        const found = diagnose(guarded, context);
        const problems: SamlProblem[] = found.length ? found : error.problems.length ? error.problems : [{ code: error.code, message: error.message }];
        outcome = { status: 'failed', at: now.toISOString(), problems };
      }
      const recorded = await new SamlConfiguration({ tenants: this.deps.tenants, ephemeral: this.deps.ephemeral, activity: this.deps.activity, clock: this.deps.clock, apiBaseUrl, runtimeMode: this.deps.runtimeMode }).recordTestOutcome(tenantId, draft.configId, outcome);
      return { kind: 'test', tenant, outcome, recorded };
    }

    const active = tenant.sso.active;
    if (!active) throw new SamlLoginError('sso-not-active', 'Single sign-on is not active for this organisation.', [], 403);
    const assertion = await validateResponse(guarded, { idp: active, spEntityId: urls.spEntityId, acsUrl: urls.acsUrl, clockSkewSec: tenant.sso.clockSkewSec, requestId: guarded.inResponseTo, now });
    if (tenant.plan === 'trial' && tenant.scim.enabled) throw new SamlLoginError('plan-required', UPGRADE_REQUIRED_MESSAGE, [], 403);
    const claim = { key: assertionKey(tenantId, assertion.assertionId), value: '1', expiresAt: assertion.validUntil };
    const email = emailOf(assertion);
    let user: User;
    try {
      const found = await this.findUser(tenant, assertion);
      if (request.purpose === 'admin') {
        if (!found || !found.active || !found.isAdmin) throw new SamlLoginError('not-admin', 'You signed in with SSO, but your account is not an administrator of this organisation’s admin console (or is deactivated). Ask an existing admin or your operator to make you one.', [], 403);
        user = found;
      } else {
        user = await this.provision(tenant, assertion, found);
      }
    } catch (error) {
      // A refused assertion is spent too (and a replay of one says so): the marker alone, off the hot path.
      if (error instanceof SamlLoginError) await this.rememberAssertion(tenantId, assertion);
      throw error;
    }

    if (request.purpose === 'admin') {
      const code = randomBytes(32).toString('base64url');
      await this.commit({
        claim,
        grant: { key: `admin-link:${sha256Hex(code)}`, value: JSON.stringify({ tenantId, userId: user.id, email, via: 'sso' }), expiresAt: new Date(now.getTime() + ADMIN_LINK_TTL_SEC * 1000) },
        events: [this.event(tenant.id, 'login.succeeded', `user:${user.id}`, `user:${user.id}`, `Admin console sign-in with SSO by ${email}`, correlationId)],
      });
      return { kind: 'admin-link', code, tenant, user };
    }

    const cookieValue = randomBytes(32).toString('base64url');
    // The replay marker, the session and the event in one transaction: a replay fails the marker's condition and writes nothing.
    await this.commit({
      claim,
      session: {
        sessionHash: sha256Hex(cookieValue),
        tenantId: tenant.id,
        userId: user.id,
        kind: 'app',
        createdAt: now.toISOString(),
        lastSeenAt: now.toISOString(),
        expiresAt: new Date(now.getTime() + SESSION_TTL_SEC * 1000).toISOString(),
        attributes: { idp: assertion.issuer, ...(assertion.sessionIndex ? { sessionIndex: assertion.sessionIndex } : {}), initiatedBy: guarded.inResponseTo ? 'sp' : 'idp' },
      },
      events: [this.event(tenant.id, 'login.succeeded', `user:${user.id}`, `user:${user.id}`, `${email ?? user.userName} signed in with SSO (${guarded.inResponseTo ? 'SP-initiated' : 'IdP-initiated'})`, correlationId)],
    });
    return { kind: 'session', cookieValue, location: safeRelay(request.relay) ?? '/dashboard', user, tenant };
  }

  /** Writes a sign-in through the SignInWriter port (atomic), or step by step when none is wired; a taken claim is a replay. */
  private async commit(record: SignInRecord): Promise<void> {
    let fresh: boolean;
    if (this.deps.signIns) fresh = await this.deps.signIns.commit(record);
    else {
      fresh = await this.deps.ephemeral.putIfAbsent(record.claim.key, record.claim.value, record.claim.expiresAt);
      if (fresh) {
        await Promise.all([
          record.session ? this.deps.sessions.put(record.session) : undefined,
          record.grant ? this.deps.ephemeral.put(record.grant.key, record.grant.value, record.grant.expiresAt) : undefined,
          ...record.events.map((event) => this.deps.activity.record(event)),
        ]);
      }
    }
    if (!fresh) throw new SamlLoginError('replayed', 'This sign-in response was already used. Please sign in again.');
  }

  private async failedTestFromRefusal(tenantId: TenantId, xml: string, error: SamlLoginError, apiBaseUrl: string): Promise<AcsOutcome | undefined> {
    const requestId = requestIdOf(xml);
    if (!requestId) return undefined;
    const stored = await this.deps.ephemeral.take(requestKey(requestId));
    const request = stored ? (JSON.parse(stored) as StoredRequest) : undefined;
    const tenant = request?.purpose === 'test' ? await this.deps.tenants.get(tenantId) : undefined;
    if (!tenant || request?.purpose !== 'test' || request.tenantId !== tenantId || tenant.sso.draft?.configId !== request.configId) return undefined;
    const outcome: SamlTestOutcome = { status: 'failed', at: this.deps.clock.now().toISOString(), problems: error.problems.length ? error.problems : [{ code: error.code, message: error.message }] };
    const recorded = await new SamlConfiguration({ tenants: this.deps.tenants, ephemeral: this.deps.ephemeral, activity: this.deps.activity, clock: this.deps.clock, apiBaseUrl, runtimeMode: this.deps.runtimeMode }).recordTestOutcome(tenantId, request.configId, outcome);
    return { kind: 'test', tenant, outcome, recorded };
  }

  /** Records a failed login for the tenant's activity page (reason code and plain words, never the assertion). */
  async recordFailure(tenantId: TenantId, error: SamlLoginError, correlationId: string): Promise<void> {
    if (error.code === 'unknown-tenant') return;
    await this.record(tenantId, 'login.failed', 'idp', undefined, `Sign-in refused (${error.code}): ${error.message}`, correlationId).catch(() => undefined);
  }

  private async rememberAssertion(tenantId: TenantId, assertion: ValidatedAssertion): Promise<void> {
    const fresh = await this.deps.ephemeral.putIfAbsent(assertionKey(tenantId, assertion.assertionId), '1', assertion.validUntil);
    if (!fresh) throw new SamlLoginError('replayed', 'This sign-in response was already used. Please sign in again.');
  }

  private async findUser(tenant: Tenant, assertion: ValidatedAssertion): Promise<User | undefined> {
    const email = emailOf(assertion);
    if (!email) throw new SamlLoginError('no-email', 'The identity provider did not send an email address for your account.');
    const byUserName = await this.deps.users.findByUserName(tenant.id, email);
    if (byUserName) return byUserName;
    const byEmail = await this.deps.users.findByEmail(tenant.id, email);
    if (byEmail.length > 1) throw new SamlLoginError('ambiguous-user', 'More than one account of this organisation uses this email address; ask your administrator.', [], 409);
    return byEmail[0];
  }

  /** JIT: create on first login, refresh the name later unless SCIM owns the profile; inactive users are refused. */
  private async provision(tenant: Tenant, assertion: ValidatedAssertion, existing: User | undefined): Promise<User> {
    const email = emailOf(assertion)!;
    const names = namesOf(assertion);
    const now = this.deps.clock.now().toISOString();
    if (existing) {
      if (!existing.active) throw new SamlLoginError('user-inactive', 'Your account is deactivated in this organisation. Ask your administrator.', [], 403);
      const scimOwned = tenant.scim.enabled || existing.source === 'scim';
      if (scimOwned || !names.display || (existing.displayName === names.display && existing.name?.givenName === names.given && existing.name?.familyName === names.family)) return existing;
      const refreshed: User = { ...existing, displayName: names.display, name: nameOf(names), updatedAt: now, version: existing.version + 1 };
      try {
        await this.deps.users.replace(refreshed, existing.version);
        return refreshed;
      } catch (error) {
        if (error instanceof PreconditionFailedError) return existing; // a concurrent update won; the name can wait for the next login
        throw error;
      }
    }
    if (!tenant.sso.jitProvisioning) throw new SamlLoginError('not-provisioned', 'You do not have an account in this organisation yet. Ask your administrator to give you access.', [], 403);
    const user: User = {
      tenantId: tenant.id,
      id: asUserId(randomUUID()),
      userName: email,
      active: true,
      ...(names.display ? { displayName: names.display, name: nameOf(names) } : {}),
      emails: [{ value: email, type: 'work', primary: true }],
      profile: {},
      source: 'jit',
      isAdmin: false,
      createdAt: now,
      updatedAt: now,
      version: 1,
    };
    try {
      await this.deps.users.create(user);
    } catch (error) {
      if (error instanceof ConflictError) {
        const raced = await this.findUser(tenant, assertion);
        if (raced?.active) return raced;
      }
      throw error;
    }
    await this.record(tenant.id, 'user.created', 'idp', `user:${user.id}`, `${email} created by just-in-time provisioning at first sign-in`);
    return user;
  }

  private async record(tenantId: TenantId, type: string, actor: string, target: string | undefined, summary: string, correlationId?: string): Promise<void> {
    await this.deps.activity.record(this.event(tenantId, type, actor, target, summary, correlationId));
  }

  private event(tenantId: TenantId, type: string, actor: string, target: string | undefined, summary: string, correlationId?: string): ActivityEvent {
    return { tenantId, id: randomUUID(), at: this.deps.clock.now().toISOString(), category: type.startsWith('login') ? 'sign-in' : 'provisioning', type, actor, ...(target ? { target } : {}), summary: summary.slice(0, 500), ...(correlationId ? { correlationId } : {}) };
  }
}

/** The Response's InResponseTo, read leniently from XML that failed the structural checks (routing only). */
function requestIdOf(xml: string): string | undefined {
  try {
    return attr(parseXmlStrict(xml).documentElement ?? undefined, 'InResponseTo');
  } catch {
    return undefined;
  }
}

const EMAIL = /^[^\s@<>"]+@[^\s@<>"]+\.[^\s@<>"]+$/;
const first = (attributes: Record<string, string[]>, names: string[]): string | undefined => {
  for (const name of names) {
    const value = attributes[name]?.map((v) => v.trim()).find((v) => v !== '');
    if (value) return value;
  }
  return undefined;
};

/** The user's email: the `email` attribute (Okta: user.email), common synonyms, else an email-shaped NameID. */
export function emailOf(assertion: Pick<ValidatedAssertion, 'attributes' | 'nameId'>): string | undefined {
  const candidate =
    first(assertion.attributes, ['email', 'mail', 'emailAddress', 'Email', 'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress', 'urn:oid:0.9.2342.19200300.100.1.3']) ??
    assertion.nameId;
  return EMAIL.test(candidate) ? normaliseEmail(candidate) : undefined;
}

/** The display name: `name` (Okta: firstName + " " + lastName), else first/last-name style attributes. */
export function namesOf(assertion: Pick<ValidatedAssertion, 'attributes'>): { display?: string; given?: string; family?: string } {
  const given = first(assertion.attributes, ['firstName', 'givenName', 'given_name', 'FirstName', 'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/givenname', 'urn:oid:2.5.4.42']);
  const family = first(assertion.attributes, ['lastName', 'surname', 'sn', 'familyName', 'family_name', 'LastName', 'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/surname', 'urn:oid:2.5.4.4']);
  const display = first(assertion.attributes, ['name', 'displayName', 'http://schemas.microsoft.com/identity/claims/displayname']) ?? ([given, family].filter(Boolean).join(' ') || undefined);
  return { display, given, family };
}

function nameOf(names: { display?: string; given?: string; family?: string }): User['name'] {
  const parts = names.display?.split(/\s+/) ?? [];
  return {
    formatted: names.display,
    givenName: names.given ?? (parts.length > 1 ? parts.slice(0, -1).join(' ') : parts[0]),
    familyName: names.family ?? (parts.length > 1 ? parts[parts.length - 1] : undefined),
  };
}

export type { IdpConfig };
