// How long a node has recently taken to answer members: the last samples within a window, so what the node did
// a while ago stops counting (a node no member has tried lately is simply unknown). An answer cut short (a
// timeout, or the loser of a hedged race) is counted as at least the time it ran.
import type { Clock } from '../common/clock.ts';

const SIZE = 64;

export class LatencyTracker {
  private readonly values = new Float64Array(SIZE);
  private readonly times = new Float64Array(SIZE);
  private next = 0;
  private count = 0;
  /** Sorted recent values, rebuilt on demand after a sample or when the window moves. */
  private sorted: number[] | undefined;
  private sortedAt = 0;

  constructor(
    private readonly windowMs: number,
    private readonly now: Clock,
  ) {}

  record(ms: number): void {
    if (!Number.isFinite(ms) || ms < 0) return;
    this.values[this.next] = ms;
    this.times[this.next] = this.now();
    this.next = (this.next + 1) % SIZE;
    this.count = Math.min(this.count + 1, SIZE);
    this.sorted = undefined;
  }

  /** The q-quantile (0..1) of recent samples, or undefined with fewer than `min` of them. */
  quantile(q: number, min = 3): number | undefined {
    const recent = this.recent();
    if (recent.length < min) return undefined;
    return recent[Math.min(recent.length - 1, Math.floor(q * recent.length))];
  }

  private recent(): number[] {
    const now = this.now();
    if (this.sorted && now - this.sortedAt < 1000) return this.sorted; // the window moves in steps of a second
    const out: number[] = [];
    for (let i = 0; i < this.count; i++) if (now - this.times[i]! <= this.windowMs) out.push(this.values[i]!);
    this.sorted = out.sort((a, b) => a - b);
    this.sortedAt = now;
    return this.sorted;
  }
}
