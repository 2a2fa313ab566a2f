// Sign-in nonces in memory, for unit tests of the sign-in flow (the gateway keeps them in the database:
// gateway/src/store/nonces.ts). Bounded as a real store would be: expired nonces are dropped as new ones
// arrive, and past maxEntries the oldest go first (they answer 'unknown', never 'ok').
import type { NonceStore } from '../../gateway/src/signin/challenge.ts';
import type { NonceState } from '../../gateway/src/store/nonces.ts';

export class MemoryNonceStore implements NonceStore {
  private readonly entries = new Map<string, { expiresAt: number; used: boolean }>();
  private readonly maxEntries: number;
  private readonly clock: () => number;

  constructor(options: { maxEntries?: number; now?: () => number } = {}) {
    this.maxEntries = options.maxEntries ?? 100_000;
    this.clock = options.now ?? Date.now;
  }

  async issue(nonce: string, expiresAt: Date): Promise<void> {
    this.prune(this.clock());
    this.entries.set(nonce, { expiresAt: expiresAt.getTime(), used: false });
    while (this.entries.size > this.maxEntries) this.entries.delete(this.entries.keys().next().value!);
  }

  async consume(nonce: string, now: Date = new Date(this.clock())): Promise<NonceState> {
    const entry = this.entries.get(nonce);
    if (!entry) return 'unknown';
    if (entry.used) return 'used';
    if (now.getTime() >= entry.expiresAt) return 'expired';
    entry.used = true;
    return 'ok';
  }

  size(): number {
    return this.entries.size;
  }

  // Insertion order is nearly expiry order (one TTL), so sweeping from the front is enough.
  private prune(now: number): void {
    for (const [nonce, entry] of this.entries) {
      if (entry.expiresAt > now) break;
      this.entries.delete(nonce);
    }
  }
}
