import { DirectoryEvents } from '../../core/events/build';
import { newSecret, sha256Hex } from '../../core/digest';
import { planRefusal } from '../../core/tenancy/plan';
import type { Tenant } from '../../core/tenancy/tenant';
import type { SpUrls } from '../../core/tenancy/urls';
import type { User } from '../../core/identity/user';
import type { GuardedResponse } from '../response-guard';
import { validateResponse, type ValidatedAssertion } from '../response-validator';
import { SamlLoginError } from '../saml-errors';
import { emailOf, findUser, provisionUser } from './assertion-user';
import { activityEvent, assertionClaim, commitSignIn, safeRelay, SESSION_TTL_SEC, spendAssertion, type AcsOutcome, type SignInDeps } from './shared';

export interface AcceptedAssertion {
  readonly assertion: ValidatedAssertion;
  readonly user: User;
}

/**
 * The part every real sign-in shares (SP- or IdP-initiated, app or admin console): the response is valid
 * for the ACTIVE configuration, the plan allows SAML sign-in, and it names a user who may sign in (created
 * just in time for an app sign-in; an existing admin for the console). A refused assertion is spent too.
 */
export async function acceptAssertion(deps: SignInDeps, tenant: Tenant, guarded: GuardedResponse, purpose: 'login' | 'admin', urls: SpUrls): Promise<AcceptedAssertion> {
  const active = tenant.sso.active;
  if (!active) throw new SamlLoginError('sso-not-active', 'Single sign-on is not active for this organisation.', [], 403);
  const assertion = await validateResponse(guarded, { idp: active, spEntityId: urls.spEntityId, acsUrl: urls.acsUrl, clockSkewSec: tenant.sso.clockSkewSec, requestId: guarded.inResponseTo, now: deps.clock.now() });
  const refusal = planRefusal(tenant, 'saml-sign-in');
  if (refusal) throw new SamlLoginError('plan-required', refusal, [], 403);
  try {
    const found = await findUser(deps, tenant, assertion);
    if (purpose === 'login') return { assertion, user: await provisionUser(deps, tenant, assertion, found) };
    if (!found || !found.active || !found.isAdmin) {
      throw new SamlLoginError('not-admin', 'You signed in with SSO, but your account is not an administrator of this organisation’s admin console (or is deactivated). Ask an existing admin or your operator to make you one.', [], 403, {
        title: 'Not an administrator',
        back: { href: `${deps.adminConsoleUrl ?? ''}/login`, label: 'Back to the admin console sign-in' },
      });
    }
    return { assertion, user: found };
  } catch (error) {
    // A refused assertion is spent too (and a replay of one says so): the marker alone, off the hot path.
    if (error instanceof SamlLoginError) await spendAssertion(deps, tenant.id, assertion);
    throw error;
  }
}

/** An app session for the user: the replay marker, the session and the event in one write (a replay writes nothing). */
export async function openAppSession(deps: SignInDeps, tenant: Tenant, accepted: AcceptedAssertion, initiatedBy: 'sp' | 'idp', relay: string | undefined, correlationId: string): Promise<AcsOutcome> {
  const { assertion, user } = accepted;
  const now = deps.clock.now();
  const cookieValue = newSecret();
  const sessionHash = sha256Hex(cookieValue);
  await commitSignIn(deps, {
    claim: assertionClaim(tenant.id, assertion),
    session: {
      sessionHash,
      tenantId: tenant.id,
      userId: user.id,
      kind: 'app',
      createdAt: now.toISOString(),
      lastSeenAt: now.toISOString(),
      expiresAt: new Date(now.getTime() + SESSION_TTL_SEC * 1000).toISOString(),
      attributes: { idp: assertion.issuer, ...(assertion.sessionIndex ? { sessionIndex: assertion.sessionIndex } : {}), initiatedBy },
    },
    events: [activityEvent(deps.clock, tenant.id, 'login.succeeded', `user:${user.id}`, `user:${user.id}`, `${emailOf(assertion) ?? user.userName} signed in with SSO (${initiatedBy === 'sp' ? 'SP-initiated' : 'IdP-initiated'})`, correlationId)],
    directoryEvents: [new DirectoryEvents(deps.clock).signInSucceeded(tenant.id, user.id, sessionHash, 'app', initiatedBy, { actor: 'idp', correlationId })],
  });
  return { kind: 'session', cookieValue, location: safeRelay(relay) ?? '/dashboard', user, tenant };
}
