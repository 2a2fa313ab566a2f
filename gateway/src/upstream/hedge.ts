// Hedged reads: when a read's node has not answered within a delay learned from its recent latency, the same
// read goes to the next node and the first good answer wins; the other attempt is cancelled. Bounded: hedges
// may spend at most a configured share of the pool's reads (a token bucket that each read fills a little).
import type { LatencyTracker } from './latency.ts';

export interface HedgeConfig {
  enabled: boolean;
  /** Never hedge sooner than this, however fast the node usually is. */
  minDelayMs: number;
  /** Never wait longer than this before hedging, however slow the node has become. */
  maxDelayMs: number;
  /** Hedges per read, at most, over time (0.1: one read in ten). */
  maxShare: number;
}

/** Reads may run a little ahead of the share (a burst of slow answers), never far. */
const BURST = 10;

export class HedgeBudget {
  private tokens = BURST;

  constructor(private readonly share: number) {}

  /** One read went through the pool: it earns its share of a hedge. */
  earn(): void {
    this.tokens = Math.min(BURST, this.tokens + this.share);
  }

  /** Spends a hedge if the budget has one. */
  take(): boolean {
    if (this.share <= 0 || this.tokens < 1) return false; // a share of 0 turns hedging off, the initial burst too
    this.tokens -= 1;
    return true;
  }
}

/** How long to wait for a node before hedging: its recent p90, within the bounds; the ceiling while it is unknown. */
export function hedgeDelay(latency: LatencyTracker, cfg: HedgeConfig): number {
  const p90 = latency.quantile(0.9, 5);
  return Math.min(cfg.maxDelayMs, Math.max(cfg.minDelayMs, p90 ?? cfg.maxDelayMs));
}

/** Slower than this many times the fastest node in rotation (and above the hedge floor): moved down the order. */
export const SLOW_FACTOR = 3;
