// Deletes expired rows at most once per interval, riding on writes, so no timer has to be started or stopped.

export interface SweeperOptions {
  intervalMs: number;
  /** Told when a sweep fails; the write that triggered it has already succeeded. */
  onError?: (err: unknown) => void;
  now?: () => number;
}

export class Sweeper {
  private nextAt = 0;
  private running: Promise<void> | undefined;
  private readonly now: () => number;

  constructor(
    private readonly sweep: () => Promise<unknown>,
    private readonly options: SweeperOptions,
  ) {
    this.now = options.now ?? Date.now;
  }

  /** Starts a sweep in the background if the last one is older than the interval; never throws. */
  poke(): void {
    const now = this.now();
    if (this.running || now < this.nextAt) return;
    this.nextAt = now + this.options.intervalMs;
    this.running = this.sweep()
      .then(
        () => undefined,
        (err: unknown) => this.options.onError?.(err),
      )
      .finally(() => {
        this.running = undefined;
      });
  }

  /** Resolves when a sweep in progress (if any) is done: for an orderly stop and for tests. */
  async settled(): Promise<void> {
    await this.running;
  }
}
