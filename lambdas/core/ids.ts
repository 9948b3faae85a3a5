import { randomUUID } from 'node:crypto';

declare const brand: unique symbol;
/** A string that the type system keeps apart from other strings of other roles. */
export type Branded<T, B extends string> = T & { readonly [brand]: B };

export type TenantId = Branded<string, 'TenantId'>;
export type UserId = Branded<string, 'UserId'>;
export type GroupId = Branded<string, 'GroupId'>;

export const asTenantId = (value: string) => value as TenantId;
export const asUserId = (value: string) => value as UserId;
export const asGroupId = (value: string) => value as GroupId;

// Tenant IDs appear in URLs an admin copies into Okta: short, lowercase, no ambiguous characters.
const TENANT_ID_ALPHABET = 'abcdefghjkmnpqrstuvwxyz23456789';
export const TENANT_ID_PATTERN = /^t[a-z0-9]{12}$/;

export function newTenantId(random: (n: number) => Uint8Array): TenantId {
  const bytes = random(12);
  let id = 't';
  for (const byte of bytes) id += TENANT_ID_ALPHABET[byte % TENANT_ID_ALPHABET.length];
  return asTenantId(id);
}

/** Resource IDs are opaque, stable, case-sensitive (RFC 7643 §3.1). */
export const newResourceId = (): string => randomUUID();
