// The nodes of one network behind one call(): their clients and breakers, the head tracker that polls them,
// the best head for the cache, and /status. How one call goes across them is call.ts.
import type { NetworkConfig, UpstreamConfig } from './config.ts';
import type { Emitter, InternalErrorEvent } from '../common/bus.ts';
import { systemClock, type Clock } from '../common/clock.ts';
import type { UpstreamEvent } from './events.ts';
import type { CallOutcome } from '../rpc/types.ts';
import { methodSpec } from '../evm/methods.ts';
import { callPool, type CallContext } from './call.ts';
import { HedgeBudget } from './hedge.ts';
import { sendTransaction } from './send.ts';
import { HeadTracker } from './headTracker.ts';
import { UpstreamNode } from './node.ts';
import { PoolNode } from './poolNode.ts';
import { slowNodes } from './select.ts';

export interface PoolHead {
  number: number;
  hash: string;
  finalized?: number;
  /** The lowest head among the nodes in rotation: a block every node that may answer has. */
  safe?: number;
}

export interface NodeStatus {
  name: string;
  healthy: boolean;
  head?: number;
  finalized?: number;
  lag?: number;
  lastError?: string;
  /** Why it is out of rotation: breaker_open or lagging. */
  reason?: string;
  /** The failures that opened its breaker, or how far behind it is. */
  detail?: string;
  breaker: 'closed' | 'open' | 'half_open';
  /** Consecutive failures while the breaker is closed (absent when 0): such a node is tried after clean ones. */
  recentFailures?: number;
  /** Members' recent median answer time here, in ms. */
  medianMs?: number;
  /** Several times slower than the fastest node lately: tried after the others, as a failing node is. */
  slow?: true;
}

export class NodePool {
  private readonly nodes: PoolNode[];
  private readonly tracker: HeadTracker;
  private readonly context: CallContext;

  constructor(
    net: NetworkConfig,
    upstream: UpstreamConfig,
    bus: Emitter<UpstreamEvent | InternalErrorEvent>,
    /** Times the breakers' cooldowns. */
    now: Clock = systemClock,
  ) {
    const breaker = {
      failures: upstream.breakerFailures,
      cooldownMs: upstream.breakerCooldownMs,
      maxCooldownMs: upstream.breakerMaxCooldownMs,
      now,
    };
    this.nodes = net.nodes.map((cfg, i) => new PoolNode(new UpstreamNode(net.network, cfg), i, breaker, bus, net.network, now));
    const budget = new HedgeBudget(upstream.hedge.maxShare);
    this.context = { network: net.network, nodes: this.nodes, settings: upstream, bus, now, budget, bestHead: () => this.head()?.number };
    this.tracker = new HeadTracker(
      net.network,
      this.nodes,
      {
        headPollMs: net.headPollMs,
        lagThreshold: net.lagThreshold,
        timeoutMs: (n, method) =>
          method !== undefined && methodSpec(method)?.timeout === 'logs' ? upstream.getLogsTimeoutMs : (n.client.timeoutMs ?? upstream.timeoutMs),
      },
      bus,
    );
  }

  /** Announces every node's starting health and starts head tracking. */
  start(): void {
    for (const n of this.nodes) n.announce(true);
    this.tracker.start();
  }

  async stop(): Promise<void> {
    await this.tracker.stop();
    for (const n of this.nodes) n.client.close();
  }

  call(method: string, params: unknown, ctx: { requestId: string }): Promise<CallOutcome> {
    const run = methodSpec(method)?.idempotentSend ? sendTransaction : callPool;
    return run(this.context, method, params, ctx.requestId);
  }

  /** The best head among nodes in rotation, with the highest finalized block any of them reports (never above that head). */
  head(): PoolHead | undefined {
    let best: PoolNode | undefined;
    let finalized: number | undefined;
    let safe: number | undefined;
    for (const n of this.nodes) {
      if (!n.head || !n.health().healthy) continue;
      if (!best?.head || n.head.number > best.head.number) best = n;
      if (safe === undefined || n.head.number < safe) safe = n.head.number;
      if (n.finalized !== undefined && (finalized === undefined || n.finalized > finalized)) finalized = n.finalized;
    }
    if (!best?.head) return undefined;
    const head: PoolHead = { number: best.head.number, hash: best.head.hash };
    if (safe !== undefined) head.safe = safe;
    if (finalized !== undefined) head.finalized = Math.min(finalized, best.head.number);
    return head;
  }

  status(): NodeStatus[] {
    const slow = slowNodes(this.nodes, this.context.settings.hedge.minDelayMs);
    return this.nodes.map((n) => {
      const health = n.health();
      const s: NodeStatus = { name: n.name, healthy: health.healthy, breaker: n.breakerState() };
      if (!health.healthy) s.reason = health.reason;
      if (health.detail !== undefined) s.detail = health.detail;
      if (n.head) s.head = n.head.number;
      if (n.finalized !== undefined) s.finalized = n.finalized;
      if (n.lag !== undefined) s.lag = n.lag;
      if (n.lastError !== undefined) s.lastError = n.lastError;
      if (s.breaker === 'closed' && n.breaker.failures() > 0) s.recentFailures = n.breaker.failures();
      const median = n.latency.default.quantile(0.5, 1);
      if (median !== undefined) s.medianMs = Math.round(median * 10) / 10;
      if (slow.has(n)) s.slow = true;
      return s;
    });
  }

  healthyCount(): number {
    return this.nodes.filter((n) => n.health().healthy).length;
  }
}
