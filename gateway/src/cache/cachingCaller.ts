// The layer in front of a network's node pool: answers from the cache when the policy allows,
// makes identical in-flight calls share one upstream call, and stores what may be stored.
//
// Three kinds of stored answers, by what they depend on:
// - final: static answers, and answers about blocks at or below the finalized block. Kept for their TTL.
// - recent: answers that only a reorg can change (an explicit block or block range above the finalized block,
//   which every node in rotation already has), and `latest` answers (tier head). Shared across head changes:
//   a block answer for at most CACHE_HEAD_TTL_MS after it was fetched, a `latest` answer for at most
//   CACHE_LATEST_MAX_AGE_MS; both at most 2000 ms, and none survives a reorg the head tracker sees.
//   Reads are monotonic per member: each answer carries the height it was read at (the block it shows when
//   it shows one, else the head when the call started), each member the highest height it has been
//   shown, and a `latest` answer read below it is never served to it. Nor is one read more than
//   CACHE_LATEST_MAX_BLOCKS below the tracked head (a node that caught up, a burst of blocks).
// - head-keyed: everything else above the finalized block (a block some node in rotation may not have yet, a
//   receipt), under the head hash seen when the call started, for at most CACHE_HEAD_TTL_MS.
//
// Read-your-reads: the tracker polls, so an answer may show a block the tracker has not seen yet (a receipt, a
// log, a node's own eth_blockNumber). The highest such block joins the head key, so nothing head-keyed at an
// older head is served after a member has been shown a newer one.
import type { Emitter, InternalErrorEvent } from '../common/bus.ts';
import type { CacheEvent, CacheResult } from './events.ts';
import type { Network } from '../common/network.ts';
import type { CallContext, Caller } from '../rpc/handler.ts';
import type { CallOutcome } from '../rpc/types.ts';
import { requestPolicy, resultPolicy, revealedHeight, type RequestPolicy, type ResultTier } from './policy.ts';
import type { ResponseCache } from './store.ts';
import { methodSpec } from '../evm/methods.ts';

export interface HeadView {
  number: number;
  hash: string;
  finalized?: number;
  /** The lowest head among the nodes in rotation. */
  safe?: number;
}

/** What the cache needs from a node pool. */
export interface Upstream {
  call(method: string, params: unknown, ctx: CallContext): Promise<CallOutcome>;
  /** The best head the pool knows; undefined before the first poll. */
  head(): HeadView | undefined;
}

export interface CachingConfig {
  /** Bound on how long head-dependent answers live; at most 2000. */
  headTtlMs: number;
  /** Bound on how long a `latest` answer is shared across head changes; at most headTtlMs. 0: not shared. */
  latestMaxAgeMs?: number;
  /** Bound on how many blocks a shared `latest` answer may be behind the tracked head (default 8). */
  latestMaxBlocks?: number;
  finalizedTtlMs: number;
}

const MAX_HEAD_TTL_MS = 2000;
/** Members whose highest height is remembered (the least recently served are forgotten first). */
const MAX_MEMBERS = 10_000;

/** A recent answer's tag: the height it was read at and the reorg epoch, as `height,epoch`. */
function readTag(tag: string): { height: number; epoch: number } {
  const cut = tag.indexOf(',');
  return { height: Number(tag.slice(0, cut)), epoch: Number(tag.slice(cut + 1)) };
}

export class CachingCaller implements Caller {
  /** Calls in flight by full key; an entry lives exactly as long as its upstream call. */
  private readonly inflight = new Map<string, Promise<CallOutcome>>();
  private readonly headTtlMs: number;
  private readonly latestMaxAgeMs: number;
  private readonly latestMaxBlocks: number;
  /** The highest block any upstream answer has shown; above the tracked head it is part of head keys. */
  private seen = 0;
  /** Reorgs seen by the head tracker: a recent answer read before the last one is not served. */
  private epoch = 0;
  /** Per member (key id): the highest height of an answer it has been shown. */
  private readonly members = new Map<string, number>();

  constructor(
    private readonly network: Network,
    private readonly upstream: Upstream,
    /** undefined: the cache is disabled and every call goes upstream as it is. */
    private readonly cache: ResponseCache | undefined,
    private readonly cfg: CachingConfig,
    private readonly bus: Emitter<CacheEvent | InternalErrorEvent>,
  ) {
    this.headTtlMs = Math.min(Math.max(1, cfg.headTtlMs), MAX_HEAD_TTL_MS);
    this.latestMaxAgeMs = Math.min(Math.max(0, cfg.latestMaxAgeMs ?? 0), this.headTtlMs);
    this.latestMaxBlocks = Math.max(0, cfg.latestMaxBlocks ?? 8);
  }

  /** The head tracker saw a reorg on this network: recent answers read before it are not served again. */
  reorged(): void {
    this.epoch++;
  }

  call(method: string, params: unknown, ctx: CallContext): Promise<CallOutcome> {
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
    const memberSeen = ctx.member === undefined ? 0 : (this.members.get(ctx.member) ?? 0);
    const shared = req.tier === 'head' ? this.latestMaxAgeMs > 0 : req.tier === 'block';

    const canLookUp = req.tier !== 'never' && (req.tier !== 'head' || headKey !== undefined || shared);
    if (canLookUp) {
      const hit = this.lookUp(method, req, shared, finalKey, headKey, Math.max(memberSeen, (head?.number ?? 0) - this.latestMaxBlocks));
      if (hit) {
        this.emit(ctx, method, 'hit', req.tier);
        if (hit.height > memberSeen && ctx.member !== undefined) this.saw(ctx.member, hit.height);
        return Promise.resolve(hit.outcome);
      }
    }

    // The height this call reads at: the head now, or higher when the member has been shown a higher block.
    const height = Math.max(head?.number ?? 0, memberSeen);
    const flightKey = this.flightKey(req, finalKey, headKey, head, height);
    const joined = this.inflight.get(flightKey);
    if (joined) {
      this.emit(ctx, method, 'coalesced', req.tier);
      return this.served(joined, ctx, method);
    }
    this.emit(ctx, method, canLookUp ? 'miss' : 'bypass', req.tier);
    const flight = this.fetch(method, params, ctx, req, finalKey, headKey, head, height);
    this.inflight.set(flightKey, flight);
    const done = () => {
      if (this.inflight.get(flightKey) === flight) this.inflight.delete(flightKey);
    };
    flight.then(done, done);
    return this.served(flight, ctx, method);
  }

  /**
   * A stored answer this member may be served, and the height it was read at (0 when unknown). A `latest`
   * answer must have been read at `atLeast` or above: the member's height, and never far behind the head.
   */
  private lookUp(method: string, req: RequestPolicy, shared: boolean, finalKey: string, headKey: string | undefined, atLeast: number): { outcome: CallOutcome; height: number } | undefined {
    const cache = this.cache!;
    if (req.tier !== 'head') {
      const final = cache.get(finalKey);
      if (final) return { outcome: final, height: 0 };
    }
    if (shared) {
      const recent = cache.getTagged(this.recentKey(req));
      if (recent) {
        const { height, epoch } = readTag(recent.tag);
        // A block answer only a reorg changes; a latest answer only if read at or above what the member has seen.
        if (epoch === this.epoch && (req.tier === 'block' || height >= atLeast)) return { outcome: recent.outcome, height };
      }
    }
    const byHead = headKey ? cache.get(headKey) : undefined;
    // A head-keyed answer may show a block above the tracked head (a receipt just mined): it raises the member's
    // height like a fresh answer would, or a shared latest answer read below it could follow.
    if (!byHead) return undefined;
    const shows = byHead.kind === 'result' && methodSpec(method)?.reveals ? revealedHeight(method, byHead.value) : undefined;
    return { outcome: byHead, height: shows ?? 0 };
  }

  /** The answer, once it arrives, raises the member's height to the block it shows. */
  private served(flight: Promise<CallOutcome>, ctx: CallContext, method: string): Promise<CallOutcome> {
    const member = ctx.member;
    if (member === undefined) return flight;
    return flight.then((outcome) => {
      if (outcome.kind === 'result') {
        const h = revealedHeight(method, outcome.value);
        if (h !== undefined) this.saw(member, h);
      }
      return outcome;
    });
  }

  private saw(member: string, height: number): void {
    const had = this.members.get(member);
    if (had !== undefined && had >= height) return;
    this.members.delete(member); // re-inserted last: the map's order is the order of last use
    this.members.set(member, height);
    if (this.members.size > MAX_MEMBERS) this.members.delete(this.members.keys().next().value!);
  }

  private recentKey(req: RequestPolicy): string {
    return `${this.network}|r|${req.key}`;
  }

  /**
   * Who may share a flight: static calls and calls at a block already final share regardless of the head;
   * `latest` calls shared across heads share with calls reading at the same height (so a member who has seen a
   * newer block never gets an answer fetched below it); everything else only with calls made at the same head.
   */
  private flightKey(req: RequestPolicy, finalKey: string, headKey: string | undefined, head: HeadView | undefined, height: number): string {
    if (req.tier === 'static') return finalKey;
    const ref = req.blockRef;
    if (req.tier === 'block' && ref?.kind === 'number' && head?.finalized !== undefined && ref.number <= head.finalized) return finalKey;
    if (req.tier === 'head' && this.latestMaxAgeMs > 0) return `${this.network}|@${height}.${this.epoch}|${req.key}`;
    return headKey ?? `${this.network}|-|${req.key}`;
  }

  private async fetch(
    method: string,
    params: unknown,
    ctx: CallContext,
    req: RequestPolicy,
    finalKey: string,
    headKey: string | undefined,
    head: HeadView | undefined,
    height: number,
  ): Promise<CallOutcome> {
    const epoch = this.epoch;
    const outcome = await this.upstream.call(method, params, ctx);
    // A pending block's number is one that does not exist yet: only answers about mined blocks count.
    let revealed: number | undefined;
    if (outcome.kind === 'result' && req.tier !== 'never') {
      revealed = revealedHeight(method, outcome.value);
      if (revealed !== undefined && revealed > this.seen) {
        this.seen = revealed;
        // The answer is the one that showed the newer block: it belongs under the key that names it.
        headKey = this.headKey(head, req.key!);
      }
    }
    // Finality as seen when the call started: an answer read before a block was final is not final.
    const decision = resultPolicy(method, params, req, outcome, { head: head?.number, finalized: head?.finalized });
    if (!decision.store) return outcome;
    if (decision.tier === 'head' && this.sharesAcrossHeads(req, head)) {
      // Read across a reorg the tracker saw meanwhile: not stored at all.
      if (epoch !== this.epoch) return outcome;
      // The height it was read at: the block it shows when it shows one (a node behind the best one may have
      // answered), else the height the call was made at.
      const readAt = revealed ?? height;
      this.storeRecent(req, outcome, readAt, req.tier === 'head' ? this.latestMaxAgeMs : this.headTtlMs);
    } else {
      this.store(decision.tier, finalKey, headKey, outcome);
    }
    return outcome;
  }

  /** Whether a non-final answer may be shared across head changes (see the top of this file). */
  private sharesAcrossHeads(req: RequestPolicy, head: HeadView | undefined): boolean {
    if (req.tier === 'head') return this.latestMaxAgeMs > 0;
    const ref = req.blockRef;
    // An explicit block every node in rotation has: the answer is complete wherever it came from.
    return req.tier === 'block' && ref?.kind === 'number' && head?.safe !== undefined && ref.number <= head.safe;
  }

  private storeRecent(req: RequestPolicy, outcome: CallOutcome, height: number, ttlMs: number): void {
    try {
      const key = this.recentKey(req);
      const had = this.cache?.getTagged(key);
      // A newer read is never replaced by an older one that finished later.
      const was = had && readTag(had.tag);
      if (was && was.height > height && was.epoch === this.epoch) return;
      this.cache?.setTagged(key, outcome, `${height},${this.epoch}`, ttlMs);
    } catch (err) {
      this.bus.emit({ type: 'gateway.error', where: 'cache.store', message: err instanceof Error ? err.message : String(err) });
    }
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

  private emit(ctx: CallContext, method: string, result: CacheResult, tier: string): void {
    this.bus.emit({ type: 'cache.lookup', requestId: ctx.requestId, network: this.network, method, result, tier });
  }
}
