import { AsyncLocalStorage } from 'node:async_hooks';
import type { ChangedBy } from '../identity/provisioning-activity';

/**
 * Who the writes of the current unit of work act for, for the `actor`/`correlationId` of the events the
 * storage adapters put in their transactions. A surface sets it once around a request (SCIM: the token;
 * SAML: the IdP); writes outside any (background purges, maintenance) are the `system`'s. Attribution
 * only: which event a write yields is decided by the builders in ./build.ts, never by this context.
 */
const storage = new AsyncLocalStorage<ChangedBy>();

export const SYSTEM: ChangedBy = { actor: 'system' };

export function actingAs<T>(by: ChangedBy, work: () => Promise<T>): Promise<T> {
  return storage.run(by, work);
}

export const currentChange = (): ChangedBy => storage.getStore() ?? SYSTEM;
