import { randomUUID } from 'node:crypto';
import { DirectoryEvents } from '../../core/events/build';
import { sameSecret, sha256Hex } from '../../core/digest';
import type { ActivityEvent, ActivityLog } from '../../core/activity/events';
import type { Clock } from '../../core/clock';
import type { TenantId } from '../../core/ids';
import type { UserRepository } from '../../core/identity/ports';
import type { User } from '../../core/identity/user';
import type { EphemeralStore, SessionStore, SignInRecord, SignInWriter } from '../../core/sessions/ports';
import type { TenantRepository } from '../../core/tenancy/ports';
import type { SamlTestOutcome, Tenant } from '../../core/tenancy/tenant';
import type { ValidatedAssertion } from '../response-validator';
import { SamlLoginError } from '../saml-errors';
import type { SpKeyringProvider } from '../sp-credentials';

/** Why a login was started: an app sign-in, Test SAML of the draft, or an admin's console sign-in. */
export type LoginPurpose = 'login' | 'test' | 'admin';

/** What `saml-request:<id>` holds: the login state, server-side, so the cross-site ACS POST needs no cookie. */
export interface StoredRequest {
  readonly tenantId: string;
  readonly configId: string;
  readonly purpose: LoginPurpose;
  /** A path of ours to land on (only ever a vetted relative path). */
  readonly relay?: string;
  /** SHA-256 of the browser binding the login was started with (login-binding.ts). */
  readonly bindingHash?: string;
}

export const REQUEST_TTL_SEC = 10 * 60;
export const SESSION_TTL_SEC = 8 * 60 * 60;
export const SESSION_COOKIE = 'natoma_session';
export const requestKey = (id: string): string => `saml-request:${id}`;
/** Our AuthnRequest IDs (sp-initiated.ts): `_` and 40 hex digits. */
const OUR_REQUEST_ID = /^_[0-9a-f]{40}$/;
/** The store key of a login we may have started; undefined for an InResponseTo we could never have issued (never looked up). */
export const requestKeyOf = (inResponseTo: string): string | undefined => (OUR_REQUEST_ID.test(inResponseTo) ? requestKey(inResponseTo) : undefined);
const assertionKey = (tenantId: string, id: string): string => `saml-assertion:${tenantId}:${id}`;

/** The sign-out form's token: derived from the session cookie, which another site cannot read. */
export const logoutTokenOf = (sessionCookie: string | undefined): string | undefined => (sessionCookie ? sha256Hex(`logout:${sessionCookie}`) : undefined);
export function logoutTokenMatches(sessionCookie: string | undefined, presented: string | undefined): boolean {
  const expected = logoutTokenOf(sessionCookie);
  return Boolean(expected && presented && sameSecret(expected, presented));
}

// RelayState, target_link_uri and /signin's `return` can only ever lead to our own pages: the dashboard, or
// an OIDC authorize request's interaction (oidc-provider's uid alphabet), which finishes that request.
const SAFE_RELAY = /^(?:\/dashboard(?:\?[A-Za-z0-9_.~%=&-]{0,200})?|\/oidc\/interaction\/[A-Za-z0-9_-]{10,64})$/;
export const safeRelay = (relay: string | undefined): string | undefined => (relay !== undefined && SAFE_RELAY.test(relay) ? relay : undefined);

/** What the sign-in flows work with (framework-free: no HTTP in here). */
export interface SignInDeps {
  readonly tenants: TenantRepository;
  /** Tenant reads of sign-ins (a short per-container cache, tenant-cache.ts); Test SAML reads `tenants`. */
  readonly cachedTenants: Pick<TenantRepository, 'get'>;
  readonly users: UserRepository;
  readonly sessions: SessionStore;
  readonly ephemeral: EphemeralStore;
  readonly activity: ActivityLog;
  /** A sign-in's replay marker, session or console grant, and events, all or none (one transaction on DynamoDB). */
  readonly signIns?: SignInWriter;
  readonly keyring: SpKeyringProvider;
  readonly clock: Clock;
  /** Base URL of the admin console, when this deployment knows it (admin sign-in with SSO lands there). */
  readonly adminConsoleUrl?: string;
}

/** The state of a login we started, as `requestKey` stored it (written only by us). */
export const parseStoredRequest = (stored: string | undefined): StoredRequest | undefined => (stored ? (JSON.parse(stored) as StoredRequest) : undefined);

/** The claim that makes an assertion single-use, kept as long as the assertion could be replayed. */
export const assertionClaim = (tenantId: TenantId, assertion: ValidatedAssertion) => ({ key: assertionKey(tenantId, assertion.assertionId), value: '1', expiresAt: assertion.validUntil });

/** Marks an assertion as spent on its own (a refused one is spent too); a second use is a replay. */
export async function spendAssertion(deps: SignInDeps, tenantId: TenantId, assertion: ValidatedAssertion): Promise<void> {
  const claim = assertionClaim(tenantId, assertion);
  if (!(await deps.ephemeral.putIfAbsent(claim.key, claim.value, claim.expiresAt))) throw replayed();
}

/** Writes a sign-in through the SignInWriter port (atomic), or step by step when none is wired; a taken claim is a replay. */
export async function commitSignIn(deps: SignInDeps, record: SignInRecord): Promise<void> {
  let fresh: boolean;
  if (deps.signIns) fresh = await deps.signIns.commit(record);
  else {
    fresh = await deps.ephemeral.putIfAbsent(record.claim.key, record.claim.value, record.claim.expiresAt);
    if (fresh) {
      await Promise.all([
        record.session ? deps.sessions.put(record.session) : undefined,
        record.grant ? deps.ephemeral.put(record.grant.key, record.grant.value, record.grant.expiresAt) : undefined,
        ...record.events.map((event) => deps.activity.record(event)),
      ]);
    }
  }
  if (!fresh) throw replayed();
}

const replayed = () => new SamlLoginError('replayed', 'This sign-in response was already used. Please sign in again.');

export function activityEvent(clock: Clock, tenantId: TenantId, type: string, actor: string, target: string | undefined, summary: string, correlationId?: string): ActivityEvent {
  return { tenantId, id: randomUUID(), at: clock.now().toISOString(), category: type.startsWith('login') ? 'sign-in' : 'provisioning', type, actor, ...(target ? { target } : {}), summary: summary.slice(0, 500), ...(correlationId ? { correlationId } : {}) };
}

/**
 * What a refused login says on the tenant's activity page: a fixed phrase per reason code (the codes are
 * ours). Never the refusal's message, an algorithm URI or parser text: anyone can POST to an ACS, and the
 * activity page must not show words a stranger chose.
 */
const FAILURE_WORDS: Readonly<Record<string, string>> = {
  'missing-response': 'the request carried no SAML response',
  'too-large': 'the response was too large',
  malformed: 'the response was not well-formed',
  doctype: 'the response declared a DOCTYPE',
  'not-a-response': 'the message was not a SAML response',
  wrapped: 'the response had an unexpected structure (signature wrapping)',
  'no-assertion': 'the response carried no assertion',
  'multiple-assertions': 'the response carried more than one assertion',
  signature: 'the signature could not be verified',
  'weak-signature': 'the signature used an unsupported algorithm',
  'hmac-signature': 'the signature used an unsupported algorithm',
  'cannot-decrypt': 'the encrypted assertion could not be decrypted',
  'weak-encryption': 'the assertion was encrypted with an unsupported algorithm',
  'in-response-to': 'the response did not answer a sign-in we started',
  'other-browser': 'the response was posted from another browser than the one that started the sign-in',
  'unsolicited-disabled': 'IdP-initiated sign-in is turned off',
  'sso-not-active': 'single sign-on is not active',
  destination: 'the response was addressed to another URL',
  recipient: 'the assertion named another recipient',
  audience: 'the assertion was meant for another service',
  issuer: 'the response came from another identity provider',
  'idp-status': 'the identity provider reported a failure',
  expired: 'the response had expired',
  'not-yet-valid': 'the response was not valid yet',
  replayed: 'the response had already been used',
  'plan-required': 'the plan does not include SAML sign-in',
  'no-name-id': 'the assertion named no user',
  'too-long': 'the assertion carried an identifier that was too long',
  'no-email': 'the assertion carried no email address',
  'not-admin': 'the user is not an administrator',
};
const failureWords = (code: string): string => FAILURE_WORDS[code] ?? 'the response was not valid';

/** At most this many refusals per tenant and window reach the activity log (a flood of junk POSTs stays a trickle). */
export const RECORDED_FAILURES_PER_WINDOW = 20;
const FAILURE_WINDOW_SEC = 10 * 60;

/**
 * Records a refused login for the tenant's activity page: only for a tenant that exists, at most
 * RECORDED_FAILURES_PER_WINDOW per window, in fixed words (failureWords); never the assertion.
 */
export async function recordFailure(
  deps: Pick<SignInDeps, 'activity' | 'clock' | 'ephemeral'>,
  tenantId: TenantId,
  error: SamlLoginError,
  correlationId: string,
  /** The ACS's own read of the tenant: a refusal costs no second read. */
  tenantRead: Promise<Tenant | undefined>,
): Promise<void> {
  if (error.code === 'unknown-tenant') return;
  try {
    const tenant = await tenantRead;
    if (!tenant) return;
    const windowMs = FAILURE_WINDOW_SEC * 1000;
    const window = Math.floor(deps.clock.now().getTime() / windowMs);
    if (!(await deps.ephemeral.claimQuota(`activity-quota:login.failed:${tenantId}:${window}`, RECORDED_FAILURES_PER_WINDOW, new Date((window + 1) * windowMs)))) return;
    const words = `Sign-in refused: ${failureWords(error.code)} (${error.code})`;
    // The same quota and words for the activity entry and the event, in one write.
    const event = new DirectoryEvents(deps.clock).signInRefused(tenant, error.code, words, { actor: 'idp', correlationId });
    await deps.activity.record(activityEvent(deps.clock, tenantId, 'login.failed', 'idp', undefined, words, correlationId), [event]);
  } catch {
    // The refusal stands whether or not it could be recorded.
  }
}

/** Login CSRF: the response answers a login another browser started. The page offers to start again, here. */
export function startedElsewhere(deps: Pick<SignInDeps, 'adminConsoleUrl'>, tenant: Tenant, request: StoredRequest): SamlLoginError {
  const back =
    request.purpose === 'login'
      ? { href: `/saml/${tenant.id}/login`, label: 'Start signing in again' }
      : request.purpose === 'admin'
        ? { href: `${deps.adminConsoleUrl ?? ''}/login`, label: 'Back to the admin console sign-in' }
        : { href: `${deps.adminConsoleUrl ?? ''}/sso`, label: 'Back to the SSO settings (start Test SAML again)' };
  return new SamlLoginError(
    'other-browser',
    'This sign-in was started in another browser, or this browser did not keep the sign-in cookie, so it was not completed: signing you in here could sign you in as someone else. Start again in this browser.',
    [],
    403,
    { title: 'Sign-in started in another browser', back },
  );
}

/** What a response POSTed to the ACS led to; the route turns it into a page, a redirect or a hand-over. */
export type AcsOutcome =
  | { readonly kind: 'session'; readonly cookieValue: string; readonly location: string; readonly user: User; readonly tenant: Tenant }
  | { readonly kind: 'test'; readonly tenant: Tenant; readonly outcome: SamlTestOutcome; readonly recorded: boolean }
  | { readonly kind: 'admin-link'; readonly code: string; readonly tenant: Tenant; readonly user: User };
