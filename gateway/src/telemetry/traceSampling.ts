// Which completed requests get spans (tail sampling, decided in-process at completion): every interesting
// one, and a share of the rest. Span objects are costly on the hot path; a cache hit answered ok is not news.
import type { RequestOutcome } from './requestOutcome.ts';

export interface TraceSampling {
  /** Share of uninteresting requests (ok, or denied) that are traced: 0 none, 1 every one. */
  okRatio: number;
  /** A request that took at least this long is always traced. */
  slowMs: number;
}

// 1 %: at a community gateway's hundreds to thousands of calls a second that is still several ok traces a
// second for latency work, while every error, failover and slow request is traced whatever the ratio.
export const DEFAULT_TRACE_SAMPLING: TraceSampling = { okRatio: 0.01, slowMs: 1000 };

export interface TracedFacts {
  outcome: RequestOutcome;
  /** The request failed over or exhausted its nodes. */
  troubled: boolean;
  durationMs: number;
}

export function shouldTrace(sampling: TraceSampling, facts: TracedFacts, random: () => number = Math.random): boolean {
  // Denials are sampled like ok requests: a flood of bad keys must not cost a span each.
  if (facts.outcome === 'error' || facts.troubled) return true;
  if (facts.outcome !== 'denied' && facts.durationMs >= sampling.slowMs) return true;
  return sampling.okRatio > 0 && random() < sampling.okRatio;
}
