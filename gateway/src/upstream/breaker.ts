// A circuit breaker for one node. Closed: traffic flows and consecutive failures are counted.
// Open: no traffic for a cooldown that doubles on each re-open. Half-open: one trial decides.
export type BreakerState = 'closed' | 'open' | 'half_open';

export interface BreakerOptions {
  /** Consecutive failures that open the breaker. */
  failures: number;
  cooldownMs: number;
  maxCooldownMs: number;
  now?: () => number;
}

export class CircuitBreaker {
  private readonly now: () => number;
  private consecutive = 0;
  private openedAt: number | undefined;
  private cooldown: number;
  private trialInFlight = false;

  constructor(private readonly options: BreakerOptions) {
    this.now = options.now ?? Date.now;
    this.cooldown = options.cooldownMs;
  }

  state(): BreakerState {
    if (this.openedAt === undefined) return 'closed';
    return this.now() - this.openedAt >= this.cooldown ? 'half_open' : 'open';
  }

  /** Consecutive failures while closed: a node with some is tried after nodes with none. */
  failures(): number {
    return this.consecutive;
  }

  /** The cooldown the breaker is serving (or will serve on its next opening). */
  cooldownMs(): number {
    return this.cooldown;
  }

  /** Whether a request could go through now, without taking the half-open trial. */
  canPass(): boolean {
    const state = this.state();
    return state === 'closed' || (state === 'half_open' && !this.trialInFlight);
  }

  /** Take permission to send one request; in half-open the first caller takes the one trial. */
  tryPass(): boolean {
    const state = this.state();
    if (state === 'closed') return true;
    if (state === 'open' || this.trialInFlight) return false;
    this.trialInFlight = true;
    return true;
  }

  success(): void {
    this.consecutive = 0;
    this.openedAt = undefined;
    this.trialInFlight = false;
    this.cooldown = this.options.cooldownMs;
  }

  failure(): void {
    const state = this.state();
    if (state === 'closed') {
      this.consecutive++;
      if (this.consecutive >= this.options.failures) this.open();
      return;
    }
    // A failed trial (or any failure once the cooldown is over) re-opens for twice as long.
    if (state === 'half_open') {
      this.cooldown = Math.min(this.cooldown * 2, this.options.maxCooldownMs);
      this.open();
    }
    // While open, late failures of requests sent before it opened change nothing.
  }

  /** A trial that ended without a verdict (e.g. stopped): let the next caller try. */
  release(): void {
    this.trialInFlight = false;
  }

  private open(): void {
    this.openedAt = this.now();
    this.trialInFlight = false;
  }
}
