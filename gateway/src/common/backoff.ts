// How long to wait before retrying after consecutive failures: doubling from a base, capped, with jitter
// so several replicas that failed together do not retry in lockstep.

export interface BackoffPolicy {
  baseMs: number;
  maxMs: number;
  /** Fraction of the delay that may be taken off at random, 0..1. */
  jitter?: number;
}

/** Delay before the next attempt after `failures` (>= 1) consecutive failures. */
export function backoffDelay(failures: number, policy: BackoffPolicy, random: () => number = Math.random): number {
  const exponent = Math.min(Math.max(failures, 1) - 1, 30);
  const delay = Math.min(policy.maxMs, policy.baseMs * 2 ** exponent);
  const jitter = Math.min(Math.max(policy.jitter ?? 0, 0), 1);
  return Math.round(delay * (1 - jitter * random()));
}
