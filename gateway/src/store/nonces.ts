// Sign-in nonces in PostgreSQL: every replica agrees on which challenges are outstanding and which are used.
import type pgPromise from 'pg-promise';
import { Sweeper } from './sweep.ts';

/** What redeeming a nonce found: ok (it is now used), or why not. */
export type NonceState = 'ok' | 'unknown' | 'used' | 'expired';

export interface PgNonceStoreOptions {
  /** Expired nonces are deleted on an issue at most this often. Default 60 s. */
  sweepIntervalMs?: number;
  onSweepError?: (err: unknown) => void;
  now?: () => number;
}

export class PgNonceStore {
  private readonly sweeper: Sweeper;
  private readonly now: () => number;

  constructor(
    private readonly db: pgPromise.IBaseProtocol<unknown>,
    options: PgNonceStoreOptions = {},
  ) {
    this.now = options.now ?? Date.now;
    this.sweeper = new Sweeper(() => this.deleteExpired(), {
      intervalMs: options.sweepIntervalMs ?? 60_000,
      onError: options.onSweepError,
      now: this.now,
    });
  }

  async issue(nonce: string, expiresAt: Date): Promise<void> {
    await this.db.none('INSERT INTO signin_nonces (nonce, expires_at) VALUES ($1, $2)', [nonce, expiresAt]);
    this.sweeper.poke();
  }

  async consume(nonce: string, now: Date = new Date(this.now())): Promise<NonceState> {
    // The conditional UPDATE is the decision: of two concurrent redeemers, the second finds used_at set.
    const hit = await this.db.oneOrNone(
      'UPDATE signin_nonces SET used_at = $2 WHERE nonce = $1 AND used_at IS NULL AND expires_at > $2 RETURNING nonce',
      [nonce, now],
    );
    if (hit) return 'ok';
    const row = await this.db.oneOrNone<{ used: boolean }>('SELECT used_at IS NOT NULL AS used FROM signin_nonces WHERE nonce = $1', [nonce]);
    if (!row) return 'unknown';
    return row.used ? 'used' : 'expired';
  }

  /** Deletes nonces past their expiry (a replay of one is refused from the message's own expiry); returns how many. */
  async deleteExpired(now: Date = new Date(this.now())): Promise<number> {
    const result = await this.db.result('DELETE FROM signin_nonces WHERE expires_at <= $1', [now]);
    return result.rowCount;
  }

  /** Resolves once a background sweep (if any) is over. */
  settled(): Promise<void> {
    return this.sweeper.settled();
  }
}
