// One node as its pool sees it: the client, its breaker, what the head tracker last learned, when it last
// answered, and whether it is in rotation. Health changes are announced on the bus exactly when they happen,
// each with the failures that caused it ("breaker_open after 3 × transport: socket hang up").
import type { Emitter } from '../common/bus.ts';
import type { Network } from '../common/network.ts';
import { CircuitBreaker, type BreakerOptions, type BreakerState, type Signal } from './breaker.ts';
import type { FailureClass, UpstreamEvent } from './events.ts';
import { LatencyTracker } from './latency.ts';
import type { UpstreamNode } from './node.ts';

export interface Head {
  number: number;
  hash: string;
}

export interface NodeHealth {
  healthy: boolean;
  reason: 'ok' | 'breaker_open' | 'lagging';
  /** Why, in words: the failures that opened the breaker, or how far behind the node is. */
  detail?: string;
}

/** A run of consecutive failures of one signal, as a health change explains it. */
interface Streak {
  failure: FailureClass;
  count: number;
  detail: string;
  mixed: boolean;
}

/** Latency is kept per timeout class: a log query's time says nothing about a balance read's. */
export type LatencyClass = 'default' | 'logs';

/** A member's read, kept to replay as the trial of a breaker that members' failures opened. */
export interface ReadCall {
  method: string;
  params: unknown;
}

export class PoolNode {
  readonly breaker: CircuitBreaker;
  head: Head | undefined;
  finalized: number | undefined;
  lag: number | undefined;
  lagging = false;
  /** How far behind the best node a node may be before it leaves rotation (set by the head tracker). */
  lagThreshold: number | undefined;
  lastError: string | undefined;
  /** The last head poll answered: its head counts when the pool computes the best head. */
  live = false;
  /** When the node last answered well (a member call or a poll); last-resort attempts go to the most recent first. */
  lastSuccessAt = 0;
  /** The last member read that failed here, replayed as the half-open trial. */
  failedRead: ReadCall | undefined;
  /** Members' recent answer times here (probes excluded: a node may be slow for members only). */
  readonly latency: Record<LatencyClass, LatencyTracker>;
  private readonly streaks: Record<Signal, Streak | undefined> = { member: undefined, probe: undefined };
  /** Why the breaker opened, kept while it stays open. */
  private openedBecause: string | undefined;
  private announced: NodeHealth | undefined;

  constructor(
    readonly client: UpstreamNode,
    readonly priority: number,
    breaker: BreakerOptions,
    private readonly bus: Emitter<UpstreamEvent>,
    private readonly network: Network,
    private readonly now: () => number = Date.now,
  ) {
    this.breaker = new CircuitBreaker(breaker);
    const windowMs = breaker.windowMs ?? breaker.cooldownMs * 5;
    this.latency = { default: new LatencyTracker(windowMs, now), logs: new LatencyTracker(windowMs, now) };
  }

  get name(): string {
    return this.client.name;
  }

  breakerState(): BreakerState {
    return this.breaker.state();
  }

  /** In rotation: breaker closed and not too far behind. Optimistic until the first poll says otherwise. */
  health(): NodeHealth {
    if (this.breaker.state() !== 'closed') return { healthy: false, reason: 'breaker_open', detail: this.openedBecause };
    if (this.lagging) {
      const threshold = this.lagThreshold === undefined ? '' : ` (threshold ${this.lagThreshold})`;
      return { healthy: false, reason: 'lagging', detail: `${this.lag ?? '?'} blocks behind the best node${threshold}` };
    }
    return { healthy: true, reason: 'ok' };
  }

  succeeded(signal: Signal): void {
    this.streaks[signal] = undefined;
    this.lastSuccessAt = this.now();
    this.breaker.success(signal);
    if (this.breaker.state() === 'closed') {
      this.openedBecause = undefined;
      if (signal === 'member') this.failedRead = undefined;
    }
    this.announce();
  }

  failed(signal: Signal, failure: FailureClass, detail: string, read?: ReadCall): void {
    this.lastError = detail;
    if (signal === 'member' && read) this.failedRead = read;
    const s = this.streaks[signal];
    this.streaks[signal] = s
      ? { failure, count: s.count + 1, detail, mixed: s.mixed || s.failure !== failure }
      : { failure, count: 1, detail, mixed: false };
    const before = this.breaker.state();
    this.breaker.failure(signal);
    if (before !== this.breaker.state() && this.breaker.state() === 'open') this.openedBecause = explain(this.streaks[signal]!, signal);
    this.announce();
  }

  /** Emit node.health if the health (or its reason) changed since the last announcement. */
  announce(force = false): void {
    const now = this.health();
    const before = this.announced;
    if (!force && before && before.healthy === now.healthy && before.reason === now.reason) return;
    this.announced = now;
    this.bus.emit({
      type: 'node.health',
      network: this.network,
      node: this.name,
      healthy: now.healthy,
      reason: now.reason,
      ...(now.detail === undefined ? {} : { detail: now.detail }),
    });
  }
}

/** "after 3 × transport: socket hang up", or "after 3 failures, the last timeout: ..." when they differ. */
function explain(s: Streak, signal: Signal): string {
  const what = signal === 'probe' ? ' of head polls' : '';
  return s.mixed ? `after ${s.count} failures${what}, the last ${s.failure}: ${s.detail}` : `after ${s.count} × ${s.failure}${what}: ${s.detail}`;
}
