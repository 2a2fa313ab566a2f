// Database-backed gauges (members, keys, orchestrators, adoption, sync) come from a provider the
// composition root registers. A scrape waits for it at most `timeoutMs`, never calls it twice at
// once, and otherwise reports the last good values: a slow or failing database cannot stall /metrics.
import { systemClock, type Clock } from '../common/clock.ts';

export interface Stats {
  members?: number;
  apiKeysActive?: number;
  orchestratorsActive?: number;
  /** Active orchestrators whose keys made a request in the last 24 h. */
  orchestratorsUsing24h?: number;
  /** Unix time, in seconds, of the last good active-set sync. */
  orchestratorSyncLastSuccessSeconds?: number;
  /** Failed active-set syncs since the process started (monotonic). */
  orchestratorSyncFailures?: number;
  /** 1 when this replica is the one that syncs the active set, 0 when another one does. */
  orchestratorSyncLeader?: number;
  /** The provider's own database check; omitted means "the provider answered, so yes". */
  databaseUp?: boolean;
}

export type StatsProvider = () => Promise<Stats> | Stats;

export interface StatsReading {
  stats: Stats;
  /** The last provider call succeeded, within the time box, and did not report the database down. */
  databaseUp: boolean;
}

export class StatsCache {
  private provider: StatsProvider | undefined;
  private last: Stats = {};
  private up = false;
  private inflight: Promise<void> | undefined;
  private inflightSince = 0;
  private fetchedAt = 0;
  private generation = 0;

  constructor(
    private readonly timeoutMs: number,
    /** Scrapes closer together than this share one provider call. */
    private readonly minIntervalMs = 1000,
    private readonly now: Clock = systemClock,
  ) {}

  set(provider: StatsProvider): void {
    this.provider = provider;
    this.generation++;
    this.fetchedAt = 0;
    this.inflight = undefined;
  }

  /** Undefined until a provider is registered: those series are absent rather than made up. */
  async read(): Promise<StatsReading | undefined> {
    const provider = this.provider;
    if (!provider) return undefined;
    if (!this.inflight && this.now() - this.fetchedAt >= this.minIntervalMs) {
      this.inflightSince = this.now();
      this.inflight = this.refresh(provider, this.generation);
    }
    const pending = this.inflight;
    if (pending) {
      // A call already stuck past the time box is not waited for again: the next scrape is fast.
      const wait = this.timeoutMs - (this.now() - this.inflightSince);
      if (wait <= 0) return { stats: this.last, databaseUp: false };
      let timer: NodeJS.Timeout | undefined;
      const timedOut = await Promise.race([
        pending.then(() => false),
        new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(true), wait))),
      ]);
      clearTimeout(timer);
      if (timedOut) return { stats: this.last, databaseUp: false };
    }
    return { stats: this.last, databaseUp: this.up };
  }

  private async refresh(provider: StatsProvider, generation: number): Promise<void> {
    try {
      const stats = await Promise.resolve().then(provider);
      if (generation !== this.generation) return;
      this.last = { ...this.last, ...usable(stats) };
      this.up = stats?.databaseUp ?? true;
    } catch {
      if (generation === this.generation) this.up = false; // counts keep their last good value
    } finally {
      if (generation === this.generation) {
        this.fetchedAt = this.now();
        this.inflight = undefined;
      }
    }
  }
}

/** Only finite, non-negative numbers become gauge values. */
function usable(stats: Stats | undefined): Stats {
  const out: Stats = {};
  if (!stats || typeof stats !== 'object') return out;
  for (const [k, v] of Object.entries(stats) as Array<[keyof Stats, unknown]>) {
    if (k === 'databaseUp') continue;
    if (typeof v === 'number' && Number.isFinite(v) && v >= 0) (out as Record<string, number>)[k] = v;
  }
  return out;
}
