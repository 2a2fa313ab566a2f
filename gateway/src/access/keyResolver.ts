// API key -> member, with an LRU in front of the database. Revocations are seen at once when announced
// (evict, from LISTEN/NOTIFY), else within the fresh TTL;
// when the database is unreachable a key that was valid recently keeps working (stale-if-error), an
// unknown key gets access_unavailable. last_used_at is written in batches, never once per request.
import { LRUCache } from 'lru-cache';
import { systemClock, type Clock } from '../common/clock.ts';
import type { Emitter } from '../common/bus.ts';
import type { StoreErrorEvent } from '../store/events.ts';
import type { DenyReason } from './events.ts';
import type { ApiKeyRecord } from '../store/apiKeys.ts';
import { describeDbError, StoreError } from '../store/errors.ts';
import type { KeyChange } from '../store/keyChanges.ts';
import { hashApiKey, isWellFormedApiKey } from './apiKey.ts';

export type KeyCheck = { ok: true; keyId: string; memberAddress: string } | { ok: false; reason: DenyReason };

/** The database side of the key check (store/apiKeys.ts ApiKeyRepo). */
export interface KeyStore {
  findByHash(hash: string): Promise<ApiKeyRecord | null>;
  touch(ids: readonly string[]): Promise<number>;
}

export interface KeyCacheConfig {
  /** How long a key's answer is trusted before the database is asked again. */
  keyCacheTtlMs: number;
  keyCacheMax: number;
}

export interface KeyResolverOptions {
  /** How long past its fresh TTL an answer may still serve while the database fails. Default 15 min. */
  staleIfErrorMs?: number;
  /** Fresh TTL of "unknown key", kept short so a new key works at once. Default min(1 s, keyCacheTtlMs). */
  negativeTtlMs?: number;
  /** A look-up slower than this counts as a database failure. Default 2 s. */
  lookupTimeoutMs?: number;
  /** After a failure, answer from the cache alone for this long rather than queue on a dead database. Default 1 s. */
  retryAfterErrorMs?: number;
  /** How often touched keys are written to last_used_at. Default 30 s. */
  flushIntervalMs?: number;
  now?: Clock;
}

interface Entry {
  check: KeyCheck;
  keyId?: string;
  memberAddress?: string;
  freshUntil: number;
}

const UNAVAILABLE: KeyCheck = Object.freeze({ ok: false, reason: 'access_unavailable' });
const UNKNOWN: KeyCheck = Object.freeze({ ok: false, reason: 'unknown_key' });

export class KeyResolver {
  private readonly cache: LRUCache<string, Entry>;
  private readonly inflight = new Map<string, Promise<KeyCheck>>();
  private touched = new Set<string>();
  private dbRetryAt = 0;
  /** Bumped by every eviction: a look-up that started before one must not cache what it read. */
  private evictions = 0;
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> | undefined;
  private readonly ttlMs: number;
  private readonly negativeTtlMs: number;
  private readonly staleIfErrorMs: number;
  private readonly lookupTimeoutMs: number;
  private readonly retryAfterErrorMs: number;
  private readonly flushIntervalMs: number;
  private readonly now: Clock;

  constructor(
    private readonly store: KeyStore,
    cfg: KeyCacheConfig,
    private readonly bus: Emitter<StoreErrorEvent>,
    options: KeyResolverOptions = {},
  ) {
    this.now = options.now ?? systemClock;
    this.ttlMs = cfg.keyCacheTtlMs;
    this.negativeTtlMs = options.negativeTtlMs ?? Math.min(1000, cfg.keyCacheTtlMs);
    this.staleIfErrorMs = options.staleIfErrorMs ?? 15 * 60_000;
    this.lookupTimeoutMs = options.lookupTimeoutMs ?? 2000;
    this.retryAfterErrorMs = options.retryAfterErrorMs ?? 1000;
    this.flushIntervalMs = options.flushIntervalMs ?? 30_000;
    this.cache = new LRUCache<string, Entry>({
      max: cfg.keyCacheMax,
      ttl: Math.max(1, this.ttlMs + this.staleIfErrorMs),
      ttlResolution: 0,
      perf: { now: this.now },
    });
  }

  /** `hash`, when the caller has it already, must be hashApiKey(key). */
  async resolve(key: string, hash?: string): Promise<KeyCheck> {
    if (!isWellFormedApiKey(key)) return UNKNOWN; // never worth a query, and never cached
    hash ??= hashApiKey(key);
    const entry = this.cache.get(hash);
    const now = this.now();
    if (entry && now < entry.freshUntil) return entry.check;
    if (now < this.dbRetryAt) return fallback(entry);
    let pending = this.inflight.get(hash);
    if (!pending) {
      const lookup: Promise<KeyCheck> = this.lookup(hash).finally(() => {
        if (this.inflight.get(hash) === lookup) this.inflight.delete(hash);
      });
      pending = lookup;
      this.inflight.set(hash, lookup);
    }
    return pending;
  }

  /** resolve()'s answer when it needs no query (a malformed key, a fresh cached answer); undefined otherwise. */
  cached(key: string, hash?: string): KeyCheck | undefined {
    if (!isWellFormedApiKey(key)) return UNKNOWN;
    const entry = this.cache.get(hash ?? hashApiKey(key));
    return entry && this.now() < entry.freshUntil ? entry.check : undefined;
  }

  /** Whether this key checked out as valid recently (a cached answer, fresh or kept for stale-if-error); no query. */
  knownValid(key: string, hash?: string): boolean {
    if (!isWellFormedApiKey(key)) return false;
    return this.cache.peek(hash ?? hashApiKey(key))?.check.ok === true;
  }

  /** Record a request made with this key; written to the database at the next flush. */
  touch(keyId: string): void {
    this.touched.add(keyId);
  }

  /** Forget cached answers for changed keys or members' keys (revocations, membership changes). */
  evict(change: KeyChange): void {
    this.forgetInflight();
    if (change.all) {
      this.cache.clear();
      return;
    }
    const ids = new Set(change.keyIds ?? []);
    const addresses = new Set([...(change.addresses ?? []), ...(change.address ? [change.address] : [])].map((a) => a.toLowerCase()));
    if (ids.size === 0 && addresses.size === 0) return;
    for (const [hash, entry] of this.cache.entries()) {
      if ((entry.keyId !== undefined && ids.has(entry.keyId)) || (entry.memberAddress !== undefined && addresses.has(entry.memberAddress))) {
        this.cache.delete(hash);
      }
    }
  }

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.flush(), this.flushIntervalMs);
    this.timer.unref();
  }

  /** Stop the flush timer and write what is left. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.flush();
  }

  /** Write every touched key's last use in one statement; on failure keep them for the next flush. */
  flush(): Promise<void> {
    this.flushing ??= this.flushOnce().finally(() => {
      this.flushing = undefined;
    });
    return this.flushing;
  }

  private async flushOnce(): Promise<void> {
    // A flush that was running when this one was asked for may have missed the latest touches.
    while (this.touched.size > 0) {
      const ids = [...this.touched];
      this.touched = new Set();
      try {
        await this.store.touch(ids);
      } catch (err) {
        for (const id of ids) this.touched.add(id);
        this.bus.emit({ type: 'store.error', operation: 'key_touch_flush', message: describeDbError(err) });
        return;
      }
    }
  }

  /** Look-ups in flight may have read the old state: later callers start their own. */
  private forgetInflight(): void {
    this.evictions++;
    this.inflight.clear();
  }

  private async lookup(hash: string): Promise<KeyCheck> {
    const evictions = this.evictions;
    let record: ApiKeyRecord | null;
    try {
      record = await withTimeout(this.store.findByHash(hash), this.lookupTimeoutMs);
    } catch (err) {
      this.dbRetryAt = this.now() + this.retryAfterErrorMs;
      this.bus.emit({ type: 'store.error', operation: 'key_lookup', message: describeDbError(err) });
      return fallback(this.cache.get(hash));
    }
    const check = toCheck(record);
    if (evictions !== this.evictions) return check; // an eviction came while we read: this answer may predate it
    const known = record !== null;
    this.cache.set(
      hash,
      { check, keyId: record?.id, memberAddress: record?.memberAddress, freshUntil: this.now() + (known ? this.ttlMs : this.negativeTtlMs) },
      // Unknown keys are not worth keeping past their short TTL; known ones serve stale-if-error.
      { ttl: Math.max(1, known ? this.ttlMs + this.staleIfErrorMs : this.negativeTtlMs) },
    );
    return check;
  }
}

function toCheck(record: ApiKeyRecord | null): KeyCheck {
  if (!record) return UNKNOWN;
  if (record.revoked) return { ok: false, reason: 'revoked_key' };
  if (!record.memberActive) return { ok: false, reason: 'inactive_member' };
  return { ok: true, keyId: record.id, memberAddress: record.memberAddress };
}

/** A known key's last answer while the database fails; nothing known means we cannot tell. */
function fallback(entry: Entry | undefined): KeyCheck {
  return entry && entry.keyId !== undefined ? entry.check : UNAVAILABLE;
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new StoreError(`key look-up took longer than ${ms} ms`)), ms);
  });
  promise.catch(() => {}); // a look-up that loses the race must not become an unhandled rejection
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
