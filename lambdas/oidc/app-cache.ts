import type { Clock } from '../core/clock';
import type { AppClient, AppClientRepository } from '../core/oidc/apps';

/**
 * How long a container reuses an app it read for authorize and userinfo requests. The token endpoint always
 * reads the app again to compare the secret (provider.ts), so a deleted app or a secret rotated with no grace
 * gets no token at once; authorize and userinfo see a deletion within this time.
 */
export const OIDC_APP_CACHE_MS = 5_000;

/** Apps read per container, kept for OIDC_APP_CACHE_MS; an unknown client ID is not remembered (a new app works at once). */
export class AppCache {
  private readonly entries = new Map<string, { app: AppClient; until: number }>();

  constructor(
    private readonly apps: AppClientRepository,
    private readonly clock: Clock,
    private readonly ttlMs = OIDC_APP_CACHE_MS,
  ) {}

  /** The app, from the cache while fresh, else read (consistently) and remembered. */
  async get(clientId: string): Promise<AppClient | undefined> {
    const entry = this.entries.get(clientId);
    if (entry && entry.until > this.clock.now().getTime()) return entry.app;
    return this.read(clientId);
  }

  /** The app as stored now (a consistent read), which also refreshes the cache. */
  async read(clientId: string): Promise<AppClient | undefined> {
    const app = await this.apps.get(clientId);
    if (!app) this.entries.delete(clientId);
    else {
      // A container serves few apps; the bound only keeps a flood of made-up client IDs that exist from growing it.
      if (this.entries.size >= 1_000) this.entries.clear();
      this.entries.set(clientId, { app, until: this.clock.now().getTime() + this.ttlMs });
    }
    return app;
  }
}
