// Token buckets per client (and one for everyone), so public sign-in endpoints stay cheap under abuse.
// Bounded: an LRU keeps at most maxClients buckets; a forgotten client simply starts with a full bucket.
import { LRUCache } from 'lru-cache';

export interface RateLimitOptions {
  perMinute: number;
  burst: number;
  maxClients?: number;
  now?: () => number;
}

interface Bucket {
  tokens: number;
  at: number;
}

/**
 * A per-client limit: this process's buckets (RateLimiter), or buckets shared by every replica
 * (store/rateBuckets.ts). Both answer 0 when allowed, else the milliseconds until a token is available.
 */
export interface ClientLimiter {
  /** Without taking a token. */
  wait(client: string): number | Promise<number>;
  take(client: string): number | Promise<number>;
}

export class RateLimiter implements ClientLimiter {
  private readonly buckets: LRUCache<string, Bucket>;
  private readonly ratePerMs: number;
  private readonly now: () => number;

  constructor(private readonly options: RateLimitOptions) {
    this.buckets = new LRUCache({ max: options.maxClients ?? 10_000 });
    this.ratePerMs = options.perMinute / 60_000;
    this.now = options.now ?? Date.now;
  }

  /** Milliseconds until `client` has a token (0: it has one now), without taking it. */
  wait(client: string): number {
    const bucket = this.buckets.peek(client);
    return bucket ? this.waitFor(this.tokensAt(bucket, this.now())) : 0;
  }

  /** Takes one token for `client`; returns 0 when allowed, else the milliseconds until one is available. */
  take(client: string): number {
    const now = this.now();
    const bucket = this.buckets.get(client) ?? { tokens: this.options.burst, at: now };
    bucket.tokens = this.tokensAt(bucket, now);
    bucket.at = now;
    this.buckets.set(client, bucket);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return 0;
    }
    return this.waitFor(bucket.tokens);
  }

  /** The bucket's tokens at `now`: refilled at the rate, never above the burst. */
  private tokensAt(bucket: Bucket, now: number): number {
    return Math.min(this.options.burst, bucket.tokens + (now - bucket.at) * this.ratePerMs);
  }

  private waitFor(tokens: number): number {
    return tokens >= 1 ? 0 : Math.ceil((1 - tokens) / this.ratePerMs);
  }
}
