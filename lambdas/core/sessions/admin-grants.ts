import { newSecret, sha256Hex } from '../digest';
import { asTenantId, asUserId, type TenantId, type UserId } from '../ids';
import type { EphemeralStore } from './ports';

/**
 * One-time admin-console grants: a secret code whose SHA-256 keys a short-lived entry, taken (read and
 * deleted) once. The operator's console link and an admin's SSO login both hand the console one.
 */
export type AdminGrant =
  | { readonly via: 'link'; readonly tenantId: TenantId; readonly email: string }
  | { readonly via: 'sso'; readonly tenantId: TenantId; readonly userId: UserId; readonly email: string };

/** An operator's console link stays valid this long. */
export const CONSOLE_LINK_TTL_SEC = 15 * 60;
/** The hand-over from an admin's SSO login to the console is immediate; a short window suffices. */
export const SSO_GRANT_TTL_SEC = 2 * 60;


const GRANT_KEY_PREFIX = 'admin-link:';
export const adminGrantKey = (code: string): string => `${GRANT_KEY_PREFIX}${sha256Hex(code)}`;
const CODE = /^[A-Za-z0-9_-]{20,200}$/;

/** The entry to write for a new grant; the caller stores it (alone, or inside the sign-in transaction). */
export function newAdminGrant(grant: AdminGrant, now: Date, ttlSec: number): { code: string; entry: { key: string; value: string; expiresAt: Date } } {
  const code = newSecret();
  return { code, entry: { key: adminGrantKey(code), value: JSON.stringify(grant), expiresAt: new Date(now.getTime() + ttlSec * 1000) } };
}

/** Takes the grant behind a one-time code; undefined when unknown, used, expired or malformed. */
export async function redeemAdminGrant(ephemeral: EphemeralStore, code: string): Promise<AdminGrant | undefined> {
  if (!CODE.test(code)) return undefined;
  const raw = await ephemeral.take(adminGrantKey(code));
  return raw === undefined ? undefined : parseGrant(raw);
}

/**
 * Reads the grant behind a code without taking it: the page that asks the admin to continue (a GET a link
 * scanner may prefetch) must not spend it.
 */
export async function peekAdminGrant(ephemeral: EphemeralStore, code: string): Promise<AdminGrant | undefined> {
  if (!CODE.test(code)) return undefined;
  const raw = await ephemeral.get(adminGrantKey(code));
  return raw === undefined ? undefined : parseGrant(raw);
}

function parseGrant(raw: string): AdminGrant | undefined {
  try {
    const parsed = JSON.parse(raw) as Record<string, unknown>;
    if (typeof parsed.tenantId !== 'string' || typeof parsed.email !== 'string') return undefined;
    if (parsed.via === 'sso' && typeof parsed.userId === 'string') {
      return { via: 'sso', tenantId: asTenantId(parsed.tenantId), userId: asUserId(parsed.userId), email: parsed.email };
    }
    if (parsed.via === 'link') return { via: 'link', tenantId: asTenantId(parsed.tenantId), email: parsed.email };
    return undefined;
  } catch {
    return undefined;
  }
}
