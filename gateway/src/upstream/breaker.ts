// A circuit breaker for one node, judged by what members get. Closed: traffic flows; consecutive failures of
// member calls and of head-tracker probes are counted apart. A node whose last member failure is recent is tried
// after clean nodes; once the window has passed it gets members' calls again, and its count goes on until one
// of them succeeds there. Open: out of rotation for a cooldown that doubles
// on each failed trial. Half-open: one trial decides. A probe (a cheap head poll) never hides members' failures:
// its success neither resets their count nor closes a breaker they opened; it closes only one that probes opened.
import { systemClock, type Clock } from '../common/clock.ts';

export type BreakerState = 'closed' | 'open' | 'half_open';

/** Where an outcome came from: a member's call (or a trial replaying one), or the head tracker's poll. */
export type Signal = 'member' | 'probe';

export interface BreakerOptions {
  /** Consecutive failures (of member calls, or of probes) that open the breaker. */
  failures: number;
  cooldownMs: number;
  maxCooldownMs: number;
  /** How long a member failure keeps the node behind clean ones. Default: five cooldowns. */
  windowMs?: number;
  now?: Clock;
}

export class CircuitBreaker {
  private readonly now: Clock;
  private memberFailures = 0;
  private probeFailures = 0;
  private readonly lastFailureAt: Record<Signal, number> = { member: 0, probe: 0 };
  private readonly windowMs: number;
  private openedAt: number | undefined;
  private opener: Signal | undefined;
  private cooldown: number;
  private trialInFlight = false;

  constructor(private readonly options: BreakerOptions) {
    this.now = options.now ?? systemClock;
    this.cooldown = options.cooldownMs;
    this.windowMs = options.windowMs ?? options.cooldownMs * 5;
  }

  state(): BreakerState {
    if (this.openedAt === undefined) return 'closed';
    return this.now() - this.openedAt >= this.cooldown ? 'half_open' : 'open';
  }

  /** What opened it, while it is not closed. */
  openedBy(): Signal | undefined {
    return this.opener;
  }

  /** Recent consecutive failures of member calls while closed: a node with some is tried after nodes with none. */
  failures(): number {
    return this.recent('member') ? this.memberFailures : 0;
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

  success(signal: Signal = 'member'): void {
    if (signal === 'member') {
      this.close();
      return;
    }
    const wasFailing = this.probeFailures > 0;
    this.probeFailures = 0;
    if (this.opener === 'probe') this.close();
    // Probes failed and now answer: the node is back, so its trial is due now, whatever the cooldown had grown to.
    else if (this.opener === 'member' && wasFailing && this.state() === 'open') this.openedAt = this.now() - this.cooldown;
  }

  failure(signal: Signal = 'member'): void {
    const state = this.state();
    if (state === 'closed') {
      this.lastFailureAt[signal] = this.now();
      const count = signal === 'member' ? ++this.memberFailures : ++this.probeFailures;
      if (count >= this.options.failures) this.open(signal);
      return;
    }
    if (signal === 'probe') {
      this.probeFailures++;
      return; // a probe failing while open says nothing new; only a failed trial doubles the cooldown
    }
    // A failed trial (or any member failure once the cooldown is over) re-opens for twice as long.
    if (state === 'half_open') {
      this.cooldown = Math.min(this.cooldown * 2, this.options.maxCooldownMs);
      this.open(this.opener ?? signal);
    }
    // While open, late failures of requests sent before it opened change nothing.
  }

  /** A trial that ended without a verdict (e.g. stopped): let the next caller try. */
  release(): void {
    this.trialInFlight = false;
  }

  private recent(signal: Signal): boolean {
    return this.now() - this.lastFailureAt[signal] <= this.windowMs;
  }

  private open(signal: Signal): void {
    this.openedAt = this.now();
    this.opener = signal;
    this.trialInFlight = false;
  }

  private close(): void {
    this.memberFailures = 0;
    this.probeFailures = 0;
    this.openedAt = undefined;
    this.opener = undefined;
    this.trialInFlight = false;
    this.cooldown = this.options.cooldownMs;
  }
}
