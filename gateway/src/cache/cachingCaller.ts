// The layer in front of a network's node pool: answers from the cache when the policy allows,
// makes identical in-flight calls share one upstream call, and stores what may be stored.
//
// Reorg bound: an answer above the finalized block is only stored head-keyed (under the head hash
// seen when the call started) with a TTL of headTtlMs <= 2000 ms. After a reorg it is served for at
// most min(time for the head tracker to see the new head hash, headTtlMs) after it was stored.
//
// Read-your-reads: the tracker polls, so an answer may show a block the tracker has not seen yet
// (a receipt, a log, a node's own eth_blockNumber). The highest such block joins the head key, so
// nothing cached at an older head is served after a member has been shown a newer one.
import type { Emitter, InternalErrorEvent } from '../common/bus.ts';
import type { CacheEvent, CacheResult } from './events.ts';
import type { Network } from '../common/network.ts';
import type { Caller } from '../rpc/handler.ts';
import type { CallOutcome } from '../rpc/types.ts';
import { requestPolicy, resultPolicy, revealedHeight, type RequestPolicy, type ResultTier } from './policy.ts';
import type { ResponseCache } from './store.ts';

export interface HeadView {
  number: number;
  hash: string;
  finalized?: number;
}

/** What the cache needs from a node pool. */
export interface Upstream {
  call(method: string, params: unknown, ctx: { requestId: string }): Promise<CallOutcome>;
  /** The best head the pool knows; undefined before the first poll. */
  head(): HeadView | undefined;
}

export interface CachingConfig {
  /** Bound on how long head-dependent answers live; at most 2000. */
  headTtlMs: number;
  finalizedTtlMs: number;
}

const MAX_HEAD_TTL_MS = 2000;

export class CachingCaller implements Caller {
  /** Calls in flight by full key; an entry lives exactly as long as its upstream call. */
  private readonly inflight = new Map<string, Promise<CallOutcome>>();
  private readonly headTtlMs: number;
  /** The highest block any upstream answer has shown; above the tracked head it is part of head keys. */
  private seen = 0;

  constructor(
    private readonly network: Network,
    private readonly upstream: Upstream,
    /** undefined: the cache is disabled and every call goes upstream as it is. */
    private readonly cache: ResponseCache | undefined,
    private readonly cfg: CachingConfig,
    private readonly bus: Emitter<CacheEvent | InternalErrorEvent>,
  ) {
    this.headTtlMs = Math.min(Math.max(1, cfg.headTtlMs), MAX_HEAD_TTL_MS);
  }

  call(method: string, params: unknown, ctx: { requestId: string }): Promise<CallOutcome> {
    if (!this.cache) {
      this.emit(ctx, method, 'bypass', 'disabled');
      return this.upstream.call(method, params, ctx);
    }
    const req = requestPolicy(method, params);
    if (!req.coalesce || req.key === undefined) {
      this.emit(ctx, method, 'bypass', req.tier);
      return this.upstream.call(method, params, ctx); // writes, unknown methods, malformed params
    }
    const head = this.currentHead();
    const finalKey = `${this.network}|${req.key}`;
    const headKey = this.headKey(head, req.key);

    const canLookUp = req.tier !== 'never' && (req.tier !== 'head' || headKey !== undefined);
    if (canLookUp) {
      const hit = (req.tier === 'head' ? undefined : this.cache.get(finalKey)) ?? (headKey ? this.cache.get(headKey) : undefined);
      if (hit) {
        this.emit(ctx, method, 'hit', req.tier);
        return Promise.resolve(hit);
      }
    }

    const flightKey = this.flightKey(req, finalKey, headKey, head);
    const shared = this.inflight.get(flightKey);
    if (shared) {
      this.emit(ctx, method, 'coalesced', req.tier);
      return shared;
    }
    this.emit(ctx, method, canLookUp ? 'miss' : 'bypass', req.tier);
    const flight = this.fetch(method, params, ctx, req, finalKey, headKey, head);
    this.inflight.set(flightKey, flight);
    const done = () => {
      if (this.inflight.get(flightKey) === flight) this.inflight.delete(flightKey);
    };
    flight.then(done, done);
    return flight;
  }

  /**
   * Who may share a flight: static calls and calls at a block already final share regardless of the
   * head; everything else only with calls made at the same head, so a caller who has seen a newer head
   * (or a reorg) never gets an answer fetched before it.
   */
  private flightKey(req: RequestPolicy, finalKey: string, headKey: string | undefined, head: HeadView | undefined): string {
    if (req.tier === 'static') return finalKey;
    const ref = req.blockRef;
    if (req.tier === 'block' && ref?.kind === 'number' && head?.finalized !== undefined && ref.number <= head.finalized) return finalKey;
    return headKey ?? `${this.network}|-|${req.key}`;
  }

  private async fetch(
    method: string,
    params: unknown,
    ctx: { requestId: string },
    req: RequestPolicy,
    finalKey: string,
    headKey: string | undefined,
    head: HeadView | undefined,
  ): Promise<CallOutcome> {
    const outcome = await this.upstream.call(method, params, ctx);
    // A pending block's number is one that does not exist yet: only answers about mined blocks count.
    if (outcome.kind === 'result' && req.tier !== 'never') {
      const h = revealedHeight(method, outcome.value);
      if (h !== undefined && h > this.seen) {
        this.seen = h;
        // The answer is the one that showed the newer block: it belongs under the key that names it.
        headKey = this.headKey(head, req.key!);
      }
    }
    // Finality as seen when the call started: an answer read before a block was final is not final.
    const decision = resultPolicy(method, params, req, outcome, { head: head?.number, finalized: head?.finalized });
    if (decision.store) this.store(decision.tier, finalKey, headKey, outcome);
    return outcome;
  }

  private store(tier: ResultTier, finalKey: string, headKey: string | undefined, outcome: CallOutcome): void {
    try {
      if (tier === 'static') this.cache?.set(finalKey, outcome, Infinity);
      else if (tier === 'final') this.cache?.set(finalKey, outcome, this.cfg.finalizedTtlMs);
      else if (headKey) this.cache?.set(headKey, outcome, this.headTtlMs);
    } catch (err) {
      // A cache that cannot store must not fail the call that already has its answer.
      this.bus.emit({ type: 'gateway.error', where: 'cache.store', message: err instanceof Error ? err.message : String(err) });
    }
  }

  private headKey(head: HeadView | undefined, key: string): string | undefined {
    if (!head) return undefined;
    return `${this.network}|${head.hash}${this.seen > head.number ? `@${this.seen}` : ''}|${key}`;
  }

  private currentHead(): HeadView | undefined {
    try {
      const h = this.upstream.head();
      return h && typeof h.hash === 'string' && h.hash !== '' ? { ...h, hash: h.hash.toLowerCase() } : undefined;
    } catch {
      return undefined; // no head view: head-keyed answers are simply not cached
    }
  }

  private emit(ctx: { requestId: string }, method: string, result: CacheResult, tier: string): void {
    this.bus.emit({ type: 'cache.lookup', requestId: ctx.requestId, network: this.network, method, result, tier });
  }
}
