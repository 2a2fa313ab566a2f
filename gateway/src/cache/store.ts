// The response store: results only, kept as their raw JSON text (the HTTP layer splices `raw` into
// the reply as is), bounded by entries and by bytes, each entry with its own time to live.
import { LRUCache } from 'lru-cache';
import type { CallOutcome } from '../rpc/types.ts';

export interface ResponseCacheOptions {
  maxEntries: number;
  /** Bound on the sum of key length + raw result length over all entries. */
  maxBytes: number;
  /** Largest single entry; by default a quarter of maxBytes, so one huge getLogs cannot flush the cache. */
  maxEntryBytes?: number;
  /** Milliseconds clock, for tests; defaults to performance.now. Must stay above 0 (lru-cache reads a start of 0 as "no TTL"). */
  now?: () => number;
}

/** A stored result: `value` is parsed only when someone reads it, and not kept. */
class CachedResult {
  readonly kind = 'result' as const;
  constructor(readonly raw: string) {}
  get value(): unknown {
    return JSON.parse(this.raw);
  }
}

export class ResponseCache {
  private readonly lru: LRUCache<string, string>;

  constructor(options: ResponseCacheOptions) {
    const maxBytes = Math.max(1, Math.floor(options.maxBytes));
    this.lru = new LRUCache<string, string>({
      max: Math.max(1, Math.floor(options.maxEntries)),
      maxSize: maxBytes,
      maxEntrySize: Math.max(1, Math.min(maxBytes, Math.floor(options.maxEntryBytes ?? maxBytes / 4))),
      sizeCalculation: (raw, key) => raw.length + key.length,
      ttlResolution: 0, // read the clock on every check: cheaper than a timer per lookup, and exact
      ...(options.now ? { perf: { now: options.now } } : {}),
    });
  }

  get(key: string): CallOutcome | undefined {
    const raw = this.lru.get(key);
    return raw === undefined ? undefined : new CachedResult(raw);
  }

  /** Stores a result (errors are ignored) for ttlMs; Infinity = until evicted. */
  set(key: string, outcome: CallOutcome, ttlMs: number): void {
    if (outcome.kind !== 'result' || !(ttlMs > 0)) return;
    this.lru.set(key, outcome.raw, { ttl: ttlMs === Infinity ? 0 : Math.max(1, Math.ceil(ttlMs)) });
  }

  /** A result stored with a tag (what it was fetched at): `tag` must not contain a newline. */
  getTagged(key: string): { outcome: CallOutcome; tag: string } | undefined {
    const stored = this.lru.get(key);
    if (stored === undefined) return undefined;
    const cut = stored.indexOf('\n');
    return { outcome: new CachedResult(stored.slice(cut + 1)), tag: stored.slice(0, cut) };
  }

  setTagged(key: string, outcome: CallOutcome, tag: string, ttlMs: number): void {
    if (outcome.kind !== 'result' || !(ttlMs > 0)) return;
    this.lru.set(key, `${tag}\n${outcome.raw}`, { ttl: Math.max(1, Math.ceil(ttlMs)) });
  }

  get entries(): number {
    return this.lru.size;
  }

  get bytes(): number {
    return this.lru.calculatedSize;
  }
}
