import type { SecretStore } from '../../lambdas/core/secrets';

/** A SecretStore in a Map, for tests; `reads` counts get() calls (to check caching). */
export class InMemorySecretStore implements SecretStore {
  readonly values = new Map<string, string>();
  reads = 0;
  async get(name: string): Promise<string | undefined> {
    this.reads++;
    return this.values.get(name);
  }
  async put(name: string, value: string): Promise<void> {
    this.values.set(name, value);
  }
  async delete(name: string): Promise<void> {
    this.values.delete(name);
  }
}
