// One replica of a cluster does a job (the active-set sync) while the others stand by: the one holding a
// PostgreSQL session advisory lock. The lock lives as long as its session, so it is held on a dedicated
// connection (never a pooled one, which would go back to the pool with the lock still on it); when the holder
// dies, its connection closes and PostgreSQL frees the lock for the next replica that asks.
import type pgPromise from 'pg-promise';
import { describeDbError } from './errors.ts';

type Connection = Awaited<ReturnType<pgPromise.IDatabase<unknown>['connect']>>;

/**
 * Any constant works; every replica of this project must use the same one (migrations use 7_340_521_968). The
 * lock taken is this plus a hash of the connection's schema: advisory locks are database-wide, and gateways of
 * other clusters (or tests) on other schemas of the same database each elect their own leader.
 */
export const SYNC_LEADER_LOCK_ID = 7_340_521_970;

export interface LeaderChange {
  leader: boolean;
  /** "acquired", "another replica holds the lock" (reported once, on the first try), "connection lost: ...", "released". */
  reason: string;
}

export interface LeaderLockOptions {
  /** Called when this process becomes the leader or stops being it. */
  onChange?: (change: LeaderChange) => void;
  /** A connection or query failure while trying (the caller simply is not the leader this time). */
  onError?: (message: string) => void;
}

export class AdvisoryLeaderLock {
  private connection: Connection | undefined;
  private closed = false;
  /** The first try's outcome is reported either way, so a standing-by replica says so once. */
  private reported = false;

  constructor(
    private readonly db: pgPromise.IDatabase<unknown>,
    private readonly lockId: number = SYNC_LEADER_LOCK_ID,
    private readonly options: LeaderLockOptions = {},
  ) {}

  /** True while this process holds the lock (as far as it knows: acquire() checks the connection). */
  isLeader(): boolean {
    return this.connection !== undefined;
  }

  /**
   * True when this process holds the lock: it still answers on the held connection, or it was free and is now
   * taken. False when another session holds it or the database cannot be reached. Never throws.
   */
  async acquire(): Promise<boolean> {
    if (this.closed) return false;
    const held = this.connection;
    if (held) {
      try {
        await held.one('SELECT 1 AS ok');
        return true;
      } catch (err) {
        this.lost(held, `connection lost: ${describeDbError(err)}`);
      }
    }
    let c: Connection | undefined;
    try {
      c = await this.db.connect({ direct: true });
      const connection = c;
      // 'error' comes with most losses, 'end' with all of them; without a listener an 'error' would crash us.
      connection.client.on('error', (err: unknown) => this.lost(connection, `connection lost: ${describeDbError(err)}`));
      connection.client.on('end', () => this.lost(connection, 'connection lost: ended'));
      const row = await connection.one<{ locked: boolean }>('SELECT pg_try_advisory_lock($1::bigint + hashtext(current_schema())) AS locked', [this.lockId]);
      if (!row.locked || this.closed) {
        await Promise.resolve(connection.done(true)).catch(() => {});
        if (!this.reported && !this.closed) this.options.onChange?.({ leader: false, reason: 'another replica holds the lock' });
        this.reported = true;
        return false;
      }
      this.connection = connection;
      this.reported = true;
      this.options.onChange?.({ leader: true, reason: 'acquired' });
      return true;
    } catch (err) {
      if (c) await Promise.resolve(c.done(true)).catch(() => {});
      this.options.onError?.(describeDbError(err));
      return false;
    }
  }

  /** Closes the held connection, which frees the lock at once for another replica. */
  async release(): Promise<void> {
    this.closed = true;
    const c = this.connection;
    if (!c) return;
    this.connection = undefined;
    await Promise.resolve(c.done(true)).catch(() => {});
    this.options.onChange?.({ leader: false, reason: 'released' });
  }

  private lost(c: Connection, reason: string): void {
    if (this.connection !== c) return; // not the held connection (a failed try, or already handled)
    this.connection = undefined;
    void Promise.resolve(c.done(true)).catch(() => {});
    this.options.onChange?.({ leader: false, reason });
  }
}
