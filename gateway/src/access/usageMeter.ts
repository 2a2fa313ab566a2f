// Requests per key and network, counted in memory by the hour and written in batches: never a database
// write per request. A failed flush keeps its counts for the next one (bounded, so a long outage cannot grow memory).
import type { Emitter } from '../common/bus.ts';
import type { StoreErrorEvent } from '../store/events.ts';
import type { Network } from '../common/network.ts';
import { describeDbError } from '../store/errors.ts';
import { HOUR_MS, hourOf, type UsageRow } from '../store/usage.ts';
import { Sweeper } from '../store/sweep.ts';

/** Where counts go: one statement per call. */
export interface UsageStore {
  record(rows: readonly UsageRow[]): Promise<number>;
  deleteBefore?(before: number): Promise<number>;
}

export interface UsageMeterOptions {
  /** How often counts are written. Default 30 s. */
  flushIntervalMs?: number;
  /** Buckets kept in memory at most; past it new buckets are dropped (and reported) until a flush succeeds. */
  maxBuckets?: number;
  /** Buckets older than this are deleted from the database, at most once an hour. Default 90 days; 0 keeps all. */
  retentionMs?: number;
  now?: () => number;
}

export class UsageMeter {
  private counts = new Map<string, UsageRow>();
  private dropped = 0;
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> | undefined;
  private readonly now: () => number;
  private readonly maxBuckets: number;
  private readonly retention: Sweeper | undefined;

  constructor(
    private readonly store: UsageStore,
    private readonly bus: Emitter<StoreErrorEvent>,
    private readonly options: UsageMeterOptions = {},
  ) {
    this.now = options.now ?? Date.now;
    this.maxBuckets = options.maxBuckets ?? 100_000;
    const retentionMs = options.retentionMs ?? 90 * 24 * HOUR_MS;
    const deleteBefore = store.deleteBefore?.bind(store);
    if (deleteBefore && retentionMs > 0) {
      this.retention = new Sweeper(() => deleteBefore(hourOf(this.now() - retentionMs)), {
        intervalMs: HOUR_MS,
        now: this.now,
        onError: (err) => this.report('usage_retention', err),
      });
    }
  }

  /** One request made with this key on this network. */
  count(keyId: string, network: Network): void {
    const hour = hourOf(this.now());
    const id = `${keyId}|${network}|${hour}`;
    const row = this.counts.get(id);
    if (row) {
      row.requests++;
    } else if (this.counts.size < this.maxBuckets) {
      this.counts.set(id, { keyId, network, hour, requests: 1 });
    } else {
      this.dropped++;
    }
  }

  /** Counts not written yet, for tests and shutdown checks. */
  pending(): number {
    let n = 0;
    for (const row of this.counts.values()) n += row.requests;
    return n;
  }

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.flush(), this.options.flushIntervalMs ?? 30_000);
    this.timer.unref();
  }

  /** Stop the timer and write what is left. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.flush();
    await this.retention?.settled();
  }

  /** Write every bucket counted since the last flush in one statement; on failure keep them for the next. */
  flush(): Promise<void> {
    this.flushing ??= this.flushOnce().finally(() => {
      this.flushing = undefined;
    });
    return this.flushing;
  }

  private async flushOnce(): Promise<void> {
    if (this.dropped > 0) {
      this.bus.emit({ type: 'store.error', operation: 'usage_flush', message: `${this.dropped} requests not counted: too many buckets waiting for the database` });
      this.dropped = 0;
    }
    if (this.counts.size === 0) return;
    const batch = this.counts;
    this.counts = new Map();
    try {
      await this.store.record([...batch.values()]);
    } catch (err) {
      // Put the batch back, merged with what was counted meanwhile.
      for (const [id, row] of batch) {
        const now = this.counts.get(id);
        if (now) now.requests += row.requests;
        else if (this.counts.size < this.maxBuckets) this.counts.set(id, row);
        else this.dropped += row.requests;
      }
      this.report('usage_flush', err);
      return;
    }
    this.retention?.poke();
  }

  private report(operation: string, err: unknown): void {
    this.bus.emit({ type: 'store.error', operation, message: describeDbError(err) });
  }
}
