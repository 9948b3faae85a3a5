import { createHash, randomBytes } from 'node:crypto';
import type { ActivityLog } from '../../core/activity/events';
import type { Clock } from '../../core/clock';
import { systemClock } from '../../core/clock';
import { InvalidInputError, NotFoundError } from '../../core/errors';
import { asTenantId, asUserId, newResourceId, type TenantId, type UserId } from '../../core/ids';
import type { EphemeralStore } from '../../core/sessions/ports';
import type { TenantRepository } from '../../core/tenancy/ports';
import { emailDomain } from '../../core/tenancy/tenant';

/** How long an operator's sign-in link stays valid. */
export const CONSOLE_LINK_TTL_SEC = 15 * 60;
export const ADMIN_LINK_PREFIX = 'admin-link:';

/** What an `admin-link:<sha256>` entry holds: issued by the operator (`link`) or after an SSO login (`sso`). */
export type AdminLinkGrant =
  | { readonly via: 'link'; readonly tenantId: TenantId; readonly email: string }
  | { readonly via: 'sso'; readonly tenantId: TenantId; readonly userId: UserId; readonly email: string };

export const sha256Hex = (value: string): string => createHash('sha256').update(value, 'utf8').digest('hex');
export const adminLinkKey = (code: string): string => `${ADMIN_LINK_PREFIX}${sha256Hex(code)}`;

/** A fresh 256-bit secret, URL-safe. */
export const newSecret = (): string => randomBytes(32).toString('base64url');

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
 * Issues a one-time sign-in link to the tenant's admin console for `email` (operator only). Only the
 * SHA-256 of the link's secret is stored; the link works once, within 15 minutes.
 */
export async function issueConsoleLink(deps: IssueConsoleLinkDeps, tenantId: string, email: string): Promise<{ url: string; expiresAt: string }> {
  const address = email.trim();
  if (!EMAIL.test(address) || !emailDomain(address)) throw new InvalidInputError(`"${email}" is not an email address: expected name@domain`);
  const tenant = await deps.tenants.get(asTenantId(tenantId));
  if (!tenant) throw new NotFoundError(`tenant ${tenantId} does not exist`);
  const now = (deps.clock ?? systemClock).now();
  const expiresAt = new Date(now.getTime() + CONSOLE_LINK_TTL_SEC * 1000);
  const code = newSecret();
  const grant: AdminLinkGrant = { via: 'link', tenantId: tenant.id, email: address };
  await deps.ephemeral.put(adminLinkKey(code), JSON.stringify(grant), expiresAt);
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
  return { url: `${deps.adminUrl}/login?token=${encodeURIComponent(code)}`, expiresAt: expiresAt.toISOString() };
}

/** Takes (reads and deletes) the grant behind a one-time code; undefined when unknown, used or expired. */
export async function redeemAdminLink(ephemeral: EphemeralStore, code: string): Promise<AdminLinkGrant | undefined> {
  if (!/^[A-Za-z0-9_-]{20,200}$/.test(code)) return undefined;
  const raw = await ephemeral.take(adminLinkKey(code));
  if (!raw) return undefined;
  try {
    const parsed = JSON.parse(raw) as Record<string, unknown>;
    if (typeof parsed.tenantId !== 'string' || typeof parsed.email !== 'string') return undefined;
    if (parsed.via === 'sso' && typeof parsed.userId === 'string') {
      return { via: 'sso', tenantId: asTenantId(parsed.tenantId), userId: asUserId(parsed.userId), email: parsed.email };
    }
    if (parsed.via === 'link' || parsed.via === undefined) return { via: 'link', tenantId: asTenantId(parsed.tenantId), email: parsed.email };
    return undefined;
  } catch {
    return undefined;
  }
}
