// Polls every node of a pool for its latest and finalized block, out of rotation or not: keeps heads, lag
// behind the best node and rotation up to date, spots reorgs, and is the breakers' probe. A poll answers for
// polls only: a breaker that members' failures opened is closed by a member-like trial (the read that failed
// there, replayed), which runs as soon as the breaker is half-open, or at once when a dead node answers again.
import type { Emitter, InternalErrorEvent } from '../common/bus.ts';
import type { UpstreamEvent } from './events.ts';
import type { Network } from '../common/network.ts';
import { blockNumber, hash as readHash } from '../evm/hex.ts';
import { Cancel } from './cancel.ts';
import { classifyRpcError, decide, type AttemptResult } from './classify.ts';
import type { FailureClass } from './events.ts';
import type { Head, PoolNode } from './poolNode.ts';

export interface HeadTrackerOptions {
  headPollMs: number;
  /** A node more than this many blocks behind the best leaves rotation; it returns at half of it. */
  lagThreshold: number;
  /** A poll's timeout on this node; with a method, the timeout a member's call of that method gets (the trial's). */
  timeoutMs: (node: PoolNode, method?: string) => number;
}

interface PolledBlock extends Head {
  parentHash?: string;
}

// Heights remembered per node to recognise a block replaced under us.
const HISTORY = 128;
// After a node refuses "finalized", ask again only this many polls later.
const FINALIZED_RETRY_POLLS = 100;

export class HeadTracker {
  private readonly timers = new Map<PoolNode, NodeJS.Timeout>();
  private readonly inFlight = new Set<Promise<void>>();
  private readonly history = new Map<PoolNode, Map<number, string>>();
  private readonly skipFinalized = new Map<PoolNode, number>();
  private readonly emitted = new Map<PoolNode, string>();
  private cancel = new Cancel();
  private running = false;

  constructor(
    private readonly network: Network,
    private readonly nodes: readonly PoolNode[],
    private readonly options: HeadTrackerOptions,
    private readonly bus: Emitter<UpstreamEvent | InternalErrorEvent>,
  ) {
    for (const node of nodes) node.lagThreshold = options.lagThreshold;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.cancel = new Cancel();
    for (const node of this.nodes) this.schedule(node, 0);
  }

  /** Clears the timers, cancels polls in flight and waits for them to settle. */
  async stop(): Promise<void> {
    this.running = false;
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
    this.cancel.cancel();
    await Promise.allSettled([...this.inFlight]);
  }

  private schedule(node: PoolNode, delayMs: number): void {
    const timer = setTimeout(() => this.tick(node), delayMs);
    timer.unref();
    this.timers.set(node, timer);
  }

  private tick(node: PoolNode): void {
    const started = Date.now();
    const poll: Promise<void> = this.poll(node)
      .catch((err: unknown) => {
        this.bus.emit({ type: 'gateway.error', where: 'upstream.headTracker', message: err instanceof Error ? err.message : String(err) });
      })
      .finally(() => {
        this.inFlight.delete(poll);
        if (this.running) this.schedule(node, Math.max(0, this.options.headPollMs - (Date.now() - started)));
      });
    this.inFlight.add(poll);
  }

  /** One poll of one node; public so a test can drive it without timers. */
  async poll(node: PoolNode): Promise<void> {
    const cancel = this.cancel;
    const timeout = this.options.timeoutMs(node);
    const skip = this.skipFinalized.get(node) ?? 0;
    if (skip > 0) this.skipFinalized.set(node, skip - 1);
    const [latest, finalized] = await Promise.all([
      node.client.attempt('eth_getBlockByNumber', ['latest', false], timeout, cancel),
      skip > 0 ? undefined : node.client.attempt('eth_getBlockByNumber', ['finalized', false], timeout, cancel),
    ]);
    if (cancel.cancelled) return;
    const block = readBlock(latest);
    if ('failure' in block) {
      node.live = false;
      node.failed('probe', block.failure, block.detail);
      this.updateLags();
      return;
    }
    node.live = true;
    node.finalized = this.readFinalized(node, finalized);
    this.checkReorg(node, block);
    node.head = { number: block.number, hash: block.hash };
    node.succeeded('probe');
    this.updateLags();
    this.emitHead(node);
    await this.trial(node, cancel);
  }

  /** A member-like trial of a half-open breaker that members' failures opened, unless a member call holds it. */
  private async trial(node: PoolNode, cancel: Cancel): Promise<void> {
    if (node.breaker.state() !== 'half_open' || node.breaker.openedBy() !== 'member' || !node.breaker.tryPass()) return;
    const read = node.failedRead ?? { method: 'eth_getBlockByNumber', params: ['latest', false] };
    // The replayed read gets the time a member's call of it gets (a wide getLogs takes long on any node).
    const result = await node.client.attempt(read.method, read.params, this.options.timeoutMs(node, read.method), cancel);
    if (cancel.cancelled) {
      node.breaker.release();
      return;
    }
    const d = decide(read.method, read.params, result, { bestHead: this.bestHead() });
    if (d.health === 'failure') node.failed('member', d.outcome === 'ok' ? 'node_state' : d.outcome, d.detail ?? d.outcome, read);
    else node.succeeded('member');
  }

  private bestHead(): number | undefined {
    let best: number | undefined;
    for (const n of this.nodes) if (n.live && n.head && (best === undefined || n.head.number > best)) best = n.head.number;
    return best;
  }

  private readFinalized(node: PoolNode, result: AttemptResult | undefined): number | undefined {
    if (result === undefined) return undefined; // not asked: this node does not know "finalized"
    if (result.ok && result.outcome.kind === 'error') {
      // Throttled or busy says nothing about "finalized"; any other error means the node does not know the tag.
      if (classifyRpcError(result.outcome.error).transient) return node.finalized;
      this.skipFinalized.set(node, FINALIZED_RETRY_POLLS);
      return undefined;
    }
    if (!result.ok) return node.finalized; // a glitch on the side call: keep what we knew
    const block = readBlock(result);
    return 'failure' in block ? undefined : block.number;
  }

  /** Recompute every node's lag against the best live head, and move nodes in and out of rotation. */
  private updateLags(): void {
    let best: number | undefined;
    for (const n of this.nodes) {
      if (n.live && n.head && n.breaker.state() !== 'open' && (best === undefined || n.head.number > best)) best = n.head.number;
    }
    if (best === undefined) return;
    const threshold = this.options.lagThreshold;
    for (const n of this.nodes) {
      if (!n.live || !n.head) continue;
      n.lag = Math.max(0, best - n.head.number);
      if (!n.lagging && n.lag > threshold) n.lagging = true;
      else if (n.lagging && n.lag <= Math.floor(threshold / 2)) n.lagging = false;
      n.announce();
    }
  }

  /** A reorg only on proof: a height we knew now carries another hash. A head that merely moves back
   * (a load-balanced provider answering from a backend a block behind) is not one. */
  private checkReorg(node: PoolNode, block: PolledBlock): void {
    let seen = this.history.get(node);
    if (!seen) this.history.set(node, (seen = new Map()));
    let reorg: { height: number; oldHash: string; newHash: string } | undefined;
    const atHead = seen.get(block.number);
    if (atHead !== undefined && atHead !== block.hash) reorg = { height: block.number, oldHash: atHead, newHash: block.hash };
    const atParent = seen.get(block.number - 1);
    if (block.parentHash !== undefined && atParent !== undefined && atParent !== block.parentHash) {
      reorg = { height: block.number - 1, oldHash: atParent, newHash: block.parentHash };
    }
    if (reorg) {
      for (const h of [...seen.keys()]) if (h >= reorg.height) seen.delete(h);
      this.bus.emit({ type: 'chain.reorg', network: this.network, node: node.name, ...reorg });
    }
    for (const h of [...seen.keys()]) if (Math.abs(h - block.number) > HISTORY) seen.delete(h);
    seen.set(block.number, block.hash);
    if (block.parentHash !== undefined && block.number > 0) seen.set(block.number - 1, block.parentHash);
  }

  private emitHead(node: PoolNode): void {
    if (!node.head) return;
    const lag = node.lag ?? 0;
    const key = `${node.head.number}:${node.head.hash}:${node.finalized ?? ''}:${lag}`;
    if (this.emitted.get(node) === key) return;
    this.emitted.set(node, key);
    this.bus.emit({
      type: 'node.head',
      network: this.network,
      node: node.name,
      head: node.head.number,
      headHash: node.head.hash,
      ...(node.finalized === undefined ? {} : { finalized: node.finalized }),
      lag,
    });
  }
}

/** The block of an eth_getBlockByNumber answer, or why there is none. */
function readBlock(result: AttemptResult): PolledBlock | { failure: FailureClass; detail: string } {
  if (!result.ok) return { failure: result.failure, detail: result.detail };
  if (result.outcome.kind === 'error') return { failure: 'node_state', detail: `rpc ${result.outcome.error.code} on eth_getBlockByNumber` };
  const value = result.outcome.value;
  if (value === null || typeof value !== 'object') return { failure: 'malformed', detail: 'no block in the answer' };
  const fields = value as Record<string, unknown>;
  const n = blockNumber(fields.number);
  if (n === undefined) return { failure: 'malformed', detail: 'block without a readable number' };
  if (readHash(fields.hash) === undefined) return { failure: 'malformed', detail: 'block without a hash' };
  const hash = fields.hash as string;
  const { parentHash } = fields;
  return typeof parentHash === 'string' ? { number: n, hash, parentHash } : { number: n, hash };
}
