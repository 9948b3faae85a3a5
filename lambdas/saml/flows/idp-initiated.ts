import type { Tenant } from '../../core/tenancy/tenant';
import type { SpUrls } from '../../core/tenancy/urls';
import type { GuardedResponse } from '../response-guard';
import { SamlLoginError } from '../saml-errors';
import { acceptAssertion, openAppSession } from './sign-in';
import type { AcsOutcome, SignInDeps } from './shared';

/**
 * IdP-initiated sign-in (the user clicks the app tile in Okta/Entra): an unsolicited response, without
 * InResponseTo, accepted only when the tenant allows it. It always lands on the dashboard: a RelayState
 * sent by the IdP is ignored, so an unsolicited login can never send the browser elsewhere.
 */
export async function finishIdpInitiated(deps: SignInDeps, tenant: Tenant, guarded: GuardedResponse, urls: SpUrls, correlationId: string): Promise<AcsOutcome> {
  if (!tenant.sso.allowIdpInitiated) throw new SamlLoginError('unsolicited-disabled', 'Your organisation does not allow signing in from the identity provider’s dashboard. Start at the sign-in page instead.', [], 403);
  const accepted = await acceptAssertion(deps, tenant, guarded, 'login', urls);
  return openAppSession(deps, tenant, accepted, 'idp', undefined, correlationId);
}
