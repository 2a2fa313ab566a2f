// Keeps the active orchestrator set fresh: asks the source on a schedule and hands each good set to a sink
// (the database writer). A failed or suspicious (empty) read never replaces the last good set; it is
// announced on the bus and retried with exponential backoff.
import type { Emitter } from '../common/bus.ts';
import type { OrchestratorsEvent } from './events.ts';
import { backoffDelay } from '../common/backoff.ts';
import type { OrchestratorSyncConfig } from './config.ts';
import { reasonOf, type OrchestratorSource } from './source.ts';

export type OrchestratorSink = (set: ReadonlySet<string>) => void | Promise<void>;

export interface OrchestratorSyncOptions extends OrchestratorSyncConfig {
  source: OrchestratorSource;
  sink: OrchestratorSink;
  bus?: Emitter<OrchestratorsEvent>;
  /**
   * Replicas on one database elect the one that syncs: each run first asks the gate, and a replica that is not
   * the leader skips the run and asks again one interval later (so a dead leader is replaced within one).
   * Without a gate (one process, the embedded database) this process always syncs.
   */
  leader?: { acquire(): Promise<boolean> };
  /** Fraction of a retry delay taken off at random (default 0.2); 0 makes retries predictable. */
  jitter?: number;
  random?: () => number;
  now?: () => number;
}

export type SyncResult =
  | { outcome: 'ok'; count: number; durationMs: number }
  /** Another replica holds the leadership: nothing was read or written. */
  | { outcome: 'follower'; count: number; durationMs: number }
  | { outcome: 'failed'; count: number; durationMs: number; error: string };

export class OrchestratorSync {
  private lastGood: ReadonlySet<string> | undefined;
  private lastOkAt: number | undefined;
  private failures = 0;
  private running = false;
  /** Bumped by stop(), so a run abandoned by it is not reported as a failure. */
  private generation = 0;
  private timer: NodeJS.Timeout | undefined;
  private inFlight: Promise<SyncResult> | undefined;
  private abort: AbortController | undefined;
  private readonly now: () => number;

  constructor(private readonly options: OrchestratorSyncOptions) {
    this.now = options.now ?? Date.now;
  }

  /** Syncs now, then every intervalMs (sooner, backing off, after a failure). */
  start(): void {
    if (this.running) return;
    this.running = true;
    void this.syncNow();
  }

  /** Stops the schedule and abandons a sync in progress; resolves once nothing runs. */
  async stop(): Promise<void> {
    this.running = false;
    this.generation++;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.abort?.abort(new Error('sync stopped'));
    await this.inFlight?.catch(() => undefined);
  }

  /** Runs one sync, or joins the one already running. Never rejects. */
  syncNow(): Promise<SyncResult> {
    this.inFlight ??= this.run().finally(() => {
      this.inFlight = undefined;
    });
    return this.inFlight;
  }

  /** The set last handed to the sink, if any sync has succeeded. */
  current(): ReadonlySet<string> | undefined {
    return this.lastGood;
  }

  lastSuccessAt(): number | undefined {
    return this.lastOkAt;
  }

  consecutiveFailures(): number {
    return this.failures;
  }

  private async run(): Promise<SyncResult> {
    const started = this.now();
    const generation = this.generation;
    if (this.options.leader && !(await this.options.leader.acquire())) {
      if (this.running && generation === this.generation) this.schedule(this.options.intervalMs);
      return { outcome: 'follower', count: this.lastGood?.size ?? 0, durationMs: this.now() - started };
    }
    let error: string | undefined;
    try {
      const set = await this.fetchBounded();
      if (set.size === 0 && !this.options.allowEmpty) {
        error = 'the source returned no orchestrators; keeping the last good set (set ORCHESTRATOR_ALLOW_EMPTY=true if that is expected)';
      } else {
        const frozen = new Set(set);
        await this.options.sink(new Set(frozen));
        this.lastGood = frozen;
        this.lastOkAt = this.now();
      }
    } catch (err) {
      error = reasonOf(err).slice(0, 300);
    }
    if (error !== undefined && generation !== this.generation) {
      return { outcome: 'failed', count: this.lastGood?.size ?? 0, durationMs: this.now() - started, error: 'sync stopped' };
    }
    if (error === undefined) this.failures = 0;
    else this.failures++;
    const count = this.lastGood?.size ?? 0;
    const durationMs = this.now() - started;
    const nextSyncMs = this.running ? this.nextDelay(error === undefined) : undefined;
    this.options.bus?.emit({
      type: 'orchestrators.sync',
      source: this.options.source.name,
      outcome: error === undefined ? 'ok' : 'failed',
      count,
      durationMs,
      ...(error === undefined ? {} : { error }),
      consecutiveFailures: this.failures,
      ...(nextSyncMs === undefined ? {} : { nextSyncMs }),
    });
    if (nextSyncMs !== undefined) this.schedule(nextSyncMs);
    return error === undefined ? { outcome: 'ok', count, durationMs } : { outcome: 'failed', count, durationMs, error };
  }

  /** The source's answer, or a rejection at timeoutMs even if the source ignores the abort signal. */
  private async fetchBounded(): Promise<Set<string>> {
    const abort = new AbortController();
    this.abort = abort;
    const timer = setTimeout(() => abort.abort(new Error(`no answer within ${this.options.timeoutMs} ms`)), this.options.timeoutMs);
    const aborted = new Promise<never>((_, reject) => {
      abort.signal.addEventListener('abort', () => reject(abort.signal.reason), { once: true });
    });
    try {
      return await Promise.race([this.options.source.fetchActive(abort.signal), aborted]);
    } finally {
      clearTimeout(timer);
      if (this.abort === abort) this.abort = undefined;
    }
  }

  private nextDelay(ok: boolean): number {
    if (ok) return this.options.intervalMs;
    const policy = { baseMs: this.options.retryBaseMs, maxMs: this.options.retryMaxMs, jitter: this.options.jitter ?? 0.2 };
    return Math.min(backoffDelay(this.failures, policy, this.options.random), this.options.intervalMs);
  }

  private schedule(delayMs: number): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      if (this.running) void this.syncNow();
    }, delayMs);
    this.timer.unref();
  }
}
