import type { ActivityLog } from '../../core/activity/events';
import type { Clock } from '../../core/clock';
import { systemClock } from '../../core/clock';
import { InvalidInputError, NotFoundError } from '../../core/errors';
import { asTenantId, newResourceId } from '../../core/ids';
import { CONSOLE_LINK_TTL_SEC, newAdminGrant } from '../../core/sessions/admin-grants';
import type { EphemeralStore } from '../../core/sessions/ports';
import type { TenantRepository } from '../../core/tenancy/ports';
import { emailDomain } from '../../core/tenancy/tenant';
import { json } from '../../http/responses';
import { route, type Route } from '../../http/routes';
import { consoleLinkBody, jsonBody } from '../schemas';

const EMAIL = /^[^\s@<>"]{1,64}@[^\s@<>"]{1,253}$/;

export interface IssueConsoleLinkDeps {
  readonly tenants: TenantRepository;
  readonly ephemeral: EphemeralStore;
  readonly activity?: ActivityLog;
  /** The console's public base URL, without a trailing slash. */
  readonly adminUrl: string;
  readonly clock?: Clock;
}

/**
 * Issues a one-time sign-in link to the tenant's admin console for `email` (operator only): a one-time
 * admin grant, of which only the SHA-256 of the secret is stored; the link works once, within 15 minutes.
 */
export async function issueConsoleLink(deps: IssueConsoleLinkDeps, tenantId: string, email: string): Promise<{ url: string; expiresAt: string }> {
  const address = email.trim();
  if (!EMAIL.test(address) || !emailDomain(address)) throw new InvalidInputError(`"${email}" is not an email address: expected name@domain`);
  const tenant = await deps.tenants.get(asTenantId(tenantId));
  if (!tenant) throw new NotFoundError(`tenant ${tenantId} does not exist`);
  const now = (deps.clock ?? systemClock).now();
  const { code, entry } = newAdminGrant({ via: 'link', tenantId: tenant.id, email: address }, now, CONSOLE_LINK_TTL_SEC);
  await deps.ephemeral.put(entry.key, entry.value, entry.expiresAt);
  await deps.activity?.record({
    tenantId: tenant.id,
    id: newResourceId(),
    at: now.toISOString(),
    category: 'admin',
    type: 'console.link.issued',
    actor: 'operator',
    target: address,
    summary: `Operator issued a console sign-in link for ${address}`,
  });
  return { url: `${deps.adminUrl}/login?token=${encodeURIComponent(code)}`, expiresAt: entry.expiresAt.toISOString() };
}

/** `POST /operator/tenants/{tenantId}/console-links {email}` → `{ url, expiresAt }`: a one-time console sign-in link. */
export function consoleLinkRoute(deps: Omit<IssueConsoleLinkDeps, 'adminUrl'> & { readonly adminPublicUrl?: string }): Route {
  return route('POST', '/operator/tenants/{tenantId}/console-links', async ({ event, params, body }) => {
    const { email } = jsonBody(body, consoleLinkBody, { whenEmpty: 'the body must be {"email": "admin@example.com"}' });
    // Links issued through the operator (IAM) URL must point at the console URL, not at the caller's.
    const adminUrl = (deps.adminPublicUrl ?? `https://${event.requestContext.domainName}`).replace(/\/+$/, '');
    return json(201, await issueConsoleLink({ ...deps, adminUrl }, params.tenantId!, email));
  });
}
