// One node as its pool sees it: the client, its breaker, what the head tracker last learned, and
// whether it is in rotation. Health changes are announced on the bus exactly when they happen.
import type { Emitter } from '../common/bus.ts';
import type { UpstreamEvent } from './events.ts';
import type { Network } from '../common/network.ts';
import { CircuitBreaker, type BreakerOptions, type BreakerState } from './breaker.ts';
import type { UpstreamNode } from './node.ts';

export interface Head {
  number: number;
  hash: string;
}

export interface NodeHealth {
  healthy: boolean;
  reason: 'ok' | 'breaker_open' | 'lagging';
}

export class PoolNode {
  readonly breaker: CircuitBreaker;
  head: Head | undefined;
  finalized: number | undefined;
  lag: number | undefined;
  lagging = false;
  lastError: string | undefined;
  /** The last head poll answered: its head counts when the pool computes the best head. */
  live = false;
  private announced: NodeHealth | undefined;

  constructor(
    readonly client: UpstreamNode,
    readonly priority: number,
    breaker: BreakerOptions,
    private readonly bus: Emitter<UpstreamEvent>,
    private readonly network: Network,
  ) {
    this.breaker = new CircuitBreaker(breaker);
  }

  get name(): string {
    return this.client.name;
  }

  breakerState(): BreakerState {
    return this.breaker.state();
  }

  /** In rotation: breaker closed and not too far behind. Optimistic until the first poll says otherwise. */
  health(): NodeHealth {
    if (this.breaker.state() !== 'closed') return { healthy: false, reason: 'breaker_open' };
    if (this.lagging) return { healthy: false, reason: 'lagging' };
    return { healthy: true, reason: 'ok' };
  }

  succeeded(): void {
    this.breaker.success();
    this.announce();
  }

  failed(detail: string | undefined): void {
    if (detail !== undefined) this.lastError = detail;
    this.breaker.failure();
    this.announce();
  }

  /** Emit node.health if the health (or its reason) changed since the last announcement. */
  announce(force = false): void {
    const now = this.health();
    const before = this.announced;
    if (!force && before && before.healthy === now.healthy && before.reason === now.reason) return;
    this.announced = now;
    this.bus.emit({ type: 'node.health', network: this.network, node: this.name, healthy: now.healthy, reason: now.reason });
  }
}
