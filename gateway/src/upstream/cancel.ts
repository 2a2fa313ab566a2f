// What cancels upstream attempts in flight: the loser of a hedged read, every poll when the pool stops. A handle
// lighter than an AbortController, which costs an EventTarget, an AbortSignal and their listener bookkeeping per
// attempt: about 7 % of the gateway's CPU on a pass-through call (docs/BENCHMARKS.md).
export class Cancel {
  cancelled = false;
  private listeners: Array<() => void> | undefined;

  cancel(): void {
    if (this.cancelled) return;
    this.cancelled = true;
    const listeners = this.listeners;
    this.listeners = undefined;
    if (listeners) for (const f of listeners) f();
  }

  /** Calls `f` once, on cancel (not if already cancelled: check `cancelled` first). */
  on(f: () => void): void {
    (this.listeners ??= []).push(f);
  }

  off(f: () => void): void {
    const listeners = this.listeners;
    if (!listeners) return;
    const i = listeners.indexOf(f);
    if (i >= 0) listeners.splice(i, 1);
  }
}
