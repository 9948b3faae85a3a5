import type { Clock } from '../core/clock';

export interface RateLimitOptions {
  /** Requests a tenant may burst. */
  readonly capacity: number;
  /** Sustained requests per second per tenant. */
  readonly refillPerSec: number;
}

/** Per tenant, per container: N warm containers allow up to N times these figures (API Gateway throttling bounds the total). */
export const DEFAULT_RATE_LIMIT: RateLimitOptions = { capacity: 200, refillPerSec: 50 };

/** A token bucket per tenant. `take` answers undefined when allowed, else the seconds to wait. */
export class TenantRateLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(
    private readonly options: RateLimitOptions,
    private readonly clock: Clock,
  ) {}

  take(tenantId: string): number | undefined {
    const now = this.clock.now().getTime();
    const bucket = this.buckets.get(tenantId) ?? { tokens: this.options.capacity, at: now };
    bucket.tokens = Math.min(this.options.capacity, bucket.tokens + ((now - bucket.at) / 1000) * this.options.refillPerSec);
    bucket.at = now;
    if (this.buckets.size > 10_000) this.buckets.clear();
    this.buckets.set(tenantId, bucket);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return undefined;
    }
    return Math.max(1, Math.ceil((1 - bucket.tokens) / this.options.refillPerSec));
  }
}
