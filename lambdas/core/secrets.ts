/**
 * Named secrets (SP key pairs, hashed SCIM tokens). Secrets Manager when deployed,
 * owner-only files in the local twin. Values are opaque strings (usually JSON).
 */
export interface SecretStore {
  get(name: string): Promise<string | undefined>;
  /** Creates or overwrites. */
  put(name: string, value: string): Promise<void>;
  delete(name: string): Promise<void>;
}
