// The nodes of one network behind one call(): the healthy node of highest priority first, then
// retry or fail over by failure class, never waiting on a node known to be dead.
import type { NetworkConfig, UpstreamConfig } from './config.ts';
import type { Emitter, InternalErrorEvent } from '../common/bus.ts';
import { systemClock, type Clock } from '../common/clock.ts';
import type { FailureClass, UpstreamEvent } from './events.ts';
import { UpstreamUnavailableError, truncate } from '../rpc/errors.ts';
import type { CallOutcome } from '../rpc/types.ts';
import { methodSpec } from '../evm/methods.ts';
import { decide, repeatable } from './classify.ts';
import { HeadTracker } from './headTracker.ts';
import { UpstreamNode } from './node.ts';
import { PoolNode } from './poolNode.ts';
import { pickNode } from './select.ts';

export interface PoolHead {
  number: number;
  hash: string;
  finalized?: number;
}

export interface NodeStatus {
  name: string;
  healthy: boolean;
  head?: number;
  finalized?: number;
  lag?: number;
  lastError?: string;
  breaker: 'closed' | 'open' | 'half_open';
  /** Consecutive failures while the breaker is closed (absent when 0): such a node is tried after clean ones. */
  recentFailures?: number;
}

export class NodePool {
  private readonly nodes: PoolNode[];
  private readonly tracker: HeadTracker;

  constructor(
    private readonly net: NetworkConfig,
    private readonly upstream: UpstreamConfig,
    private readonly bus: Emitter<UpstreamEvent | InternalErrorEvent>,
    /** Times the breakers' cooldowns. */
    now: Clock = systemClock,
  ) {
    const breaker = {
      failures: upstream.breakerFailures,
      cooldownMs: upstream.breakerCooldownMs,
      maxCooldownMs: upstream.breakerMaxCooldownMs,
      now,
    };
    this.nodes = net.nodes.map((cfg, i) => new PoolNode(new UpstreamNode(net.network, cfg), i, breaker, bus, net.network));
    this.tracker = new HeadTracker(
      net.network,
      this.nodes,
      { headPollMs: net.headPollMs, lagThreshold: net.lagThreshold, timeoutMs: (n) => n.client.timeoutMs ?? upstream.timeoutMs },
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

  async call(method: string, params: unknown, ctx: { requestId: string }): Promise<CallOutcome> {
    const network = this.net.network;
    const logsTimeout = methodSpec(method)?.timeout === 'logs';
    const tried = new Set<PoolNode>();
    const noRepeat = new Set<PoolNode>();
    let attempts = 0;
    let previous: { node: PoolNode; reason: FailureClass } | undefined;
    // The last JSON-RPC answer we moved past: if no node does better, it is the honest answer.
    let fallback: CallOutcome | undefined;
    while (attempts < this.upstream.maxAttempts) {
      const node = pickNode(this.nodes, tried, noRepeat);
      if (!node) break;
      if (previous) {
        this.bus.emit({ type: 'upstream.failover', requestId: ctx.requestId, network, method, from: previous.node.name, to: node.name, reason: previous.reason });
      }
      attempts++;
      const timeoutMs = logsTimeout ? this.upstream.getLogsTimeoutMs : (node.client.timeoutMs ?? this.upstream.timeoutMs);
      const startTime = Date.now();
      const t0 = performance.now();
      const result = await node.client.attempt(method, params, timeoutMs);
      const durationMs = performance.now() - t0;
      const d = decide(method, params, result, { bestHead: this.head()?.number });
      this.bus.emit({
        type: 'upstream.attempt',
        requestId: ctx.requestId,
        network,
        node: node.name,
        method,
        attempt: attempts,
        outcome: d.outcome,
        ...(d.errorCode === undefined ? {} : { errorCode: d.errorCode }),
        ...(!result.ok && result.httpStatus !== undefined ? { httpStatus: result.httpStatus } : {}),
        durationMs,
        startTime,
        ...(d.detail === undefined ? {} : { detail: d.detail }),
      });
      if (d.health === 'failure') node.failed(d.detail);
      else node.succeeded();
      if (result.ok && d.next === 'return') return result.outcome;
      if (result.ok) fallback = result.outcome;
      tried.add(node);
      if (!repeatable(d.outcome)) noRepeat.add(node);
      previous = { node, reason: d.outcome === 'ok' ? 'node_state' : d.outcome };
      if (d.next === 'stop') {
        this.exhausted(ctx.requestId, method, attempts, 'all_attempts_failed');
        throw new UpstreamUnavailableError(
          `The ${network} node did not confirm ${truncate(method, 64)} (${d.outcome}); the transaction may have been sent: check before sending it again`,
        );
      }
    }
    if (fallback) return fallback;
    if (attempts === 0) {
      this.exhausted(ctx.requestId, method, 0, 'no_healthy_node');
      throw new UpstreamUnavailableError(`No ${network} node is available right now (all ${this.nodes.length} out of rotation); try again shortly`);
    }
    this.exhausted(ctx.requestId, method, attempts, 'all_attempts_failed');
    throw new UpstreamUnavailableError(
      `No ${network} node could answer ${truncate(method, 64)} after ${attempts} attempt${attempts === 1 ? '' : 's'} (last: ${previous?.reason ?? 'none'})`,
    );
  }

  /** The best head among nodes in rotation, with the highest finalized block any of them reports (never above that head). */
  head(): PoolHead | undefined {
    let best: PoolNode | undefined;
    let finalized: number | undefined;
    for (const n of this.nodes) {
      if (!n.head || !n.health().healthy) continue;
      if (!best?.head || n.head.number > best.head.number) best = n;
      if (n.finalized !== undefined && (finalized === undefined || n.finalized > finalized)) finalized = n.finalized;
    }
    if (!best?.head) return undefined;
    const head: PoolHead = { number: best.head.number, hash: best.head.hash };
    if (finalized !== undefined) head.finalized = Math.min(finalized, best.head.number);
    return head;
  }

  status(): NodeStatus[] {
    return this.nodes.map((n) => {
      const s: NodeStatus = { name: n.name, healthy: n.health().healthy, breaker: n.breakerState() };
      if (n.head) s.head = n.head.number;
      if (n.finalized !== undefined) s.finalized = n.finalized;
      if (n.lag !== undefined) s.lag = n.lag;
      if (n.lastError !== undefined) s.lastError = n.lastError;
      if (s.breaker === 'closed' && n.breaker.failures() > 0) s.recentFailures = n.breaker.failures();
      return s;
    });
  }

  healthyCount(): number {
    return this.nodes.filter((n) => n.health().healthy).length;
  }

  private exhausted(requestId: string, method: string, attempts: number, reason: 'no_healthy_node' | 'all_attempts_failed'): void {
    this.bus.emit({ type: 'upstream.exhausted', requestId, network: this.net.network, method, attempts, reason });
  }
}
