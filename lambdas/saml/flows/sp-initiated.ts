import { randomBytes } from 'node:crypto';
import { DirectoryEvents } from '../../core/events/build';
import { newAdminGrant, SSO_GRANT_TTL_SEC } from '../../core/sessions/admin-grants';
import type { Tenant } from '../../core/tenancy/tenant';
import { spUrls, type SpUrls } from '../../core/tenancy/urls';
import { bindingHash } from '../login-binding';
import type { GuardedResponse } from '../response-guard';
import { authnRequestFor, type LoginStart } from '../saml-provider';
import { emailOf } from './assertion-user';
import { acceptAssertion, openAppSession, type AcceptedAssertion } from './sign-in';
import { activityEvent, assertionClaim, commitSignIn, REQUEST_TTL_SEC, requestKey, safeRelay, type AcsOutcome, type LoginPurpose, type SignInDeps, type StoredRequest } from './shared';

/**
 * SP-initiated sign-in: we send the browser to the tenant's IdP with an AuthnRequest whose ID keys the
 * login state on our side; the IdP's answer must carry that ID (InResponseTo), and is accepted once.
 * The login state also keeps the hash of the starting browser's binding (login-binding.ts).
 * An app sign-in ends with a session on the dashboard (or the vetted page asked for); an admin's ends
 * with a one-time grant the admin console redeems.
 */

/** Starts a login at the IdP; undefined when the tenant has no configuration for this purpose. */
export async function startLogin(deps: SignInDeps, tenant: Tenant | undefined, purpose: LoginPurpose, apiBaseUrl: string, binding: string, relay?: string): Promise<LoginStart | undefined> {
  const config = purpose === 'test' ? tenant?.sso.draft : tenant?.sso.active;
  if (!tenant || !config) return undefined;
  const id = `_${randomBytes(20).toString('hex')}`;
  const vetted = safeRelay(relay);
  const record: StoredRequest = { tenantId: tenant.id, configId: config.configId, purpose, bindingHash: bindingHash(binding), ...(vetted ? { relay: vetted } : {}) };
  await deps.ephemeral.put(requestKey(id), JSON.stringify(record), new Date(deps.clock.now().getTime() + REQUEST_TTL_SEC * 1000));
  const keyring = config.wantAuthnRequestsSigned ? await deps.keyring.get() : undefined;
  return authnRequestFor({ idp: config, urls: spUrls(apiBaseUrl, tenant.id), clockSkewSec: tenant.sso.clockSkewSec, requestId: id, signingKeyPem: keyring?.current.privateKeyPem });
}

/** The IdP's answer to a login we started for the app or the admin console. */
export async function finishSpInitiated(deps: SignInDeps, tenant: Tenant, guarded: GuardedResponse, request: StoredRequest & { purpose: 'login' | 'admin' }, urls: SpUrls, correlationId: string): Promise<AcsOutcome> {
  const accepted = await acceptAssertion(deps, tenant, guarded, request.purpose, urls);
  if (request.purpose === 'admin') return handOverToConsole(deps, tenant, accepted, correlationId);
  return openAppSession(deps, tenant, accepted, 'sp', request.relay, correlationId);
}

/** An admin's SSO sign-in: a one-time console grant (core/sessions/admin-grants), written with the replay marker. */
async function handOverToConsole(deps: SignInDeps, tenant: Tenant, { assertion, user }: AcceptedAssertion, correlationId: string): Promise<AcsOutcome> {
  const email = emailOf(assertion)!; // findUser refused an assertion without one
  const { code, entry } = newAdminGrant({ via: 'sso', tenantId: tenant.id, userId: user.id, email }, deps.clock.now(), SSO_GRANT_TTL_SEC);
  await commitSignIn(deps, {
    claim: assertionClaim(tenant.id, assertion),
    grant: entry,
    events: [activityEvent(deps.clock, tenant.id, 'login.succeeded', `user:${user.id}`, `user:${user.id}`, `Admin console sign-in with SSO by ${email}`, correlationId)],
    directoryEvents: [new DirectoryEvents(deps.clock).signInSucceeded(tenant.id, user.id, entry.key, 'admin', 'sp', { actor: 'idp', correlationId })],
  });
  return { kind: 'admin-link', code, tenant, user };
}
