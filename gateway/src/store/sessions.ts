// Member sessions of the portal. The cookie holds a random token; only its SHA-256 is stored here.
import type pgPromise from 'pg-promise';
import { Sweeper } from './sweep.ts';

export interface SessionRecord {
  memberAddress: string;
  createdAt: Date;
  expiresAt: Date;
}

export interface SessionRepoOptions {
  /** Expired sessions are deleted on a new sign-in at most this often. Default 10 min. */
  sweepIntervalMs?: number;
  onSweepError?: (err: unknown) => void;
  now?: () => number;
}

export class SessionRepo {
  private readonly sweeper: Sweeper;
  private readonly now: () => number;

  constructor(
    private readonly db: pgPromise.IBaseProtocol<unknown>,
    options: SessionRepoOptions = {},
  ) {
    this.now = options.now ?? Date.now;
    this.sweeper = new Sweeper(() => this.deleteExpired(), {
      intervalMs: options.sweepIntervalMs ?? 10 * 60_000,
      onError: options.onSweepError,
      now: this.now,
    });
  }

  async create(tokenHash: string, memberAddress: string, expiresAt: Date): Promise<void> {
    await this.db.none('INSERT INTO member_sessions (token_hash, member_address, expires_at) VALUES ($1, $2, $3)', [
      tokenHash,
      memberAddress,
      expiresAt,
    ]);
    this.sweeper.poke();
  }

  /** The session of this token hash, if it exists and has not expired. */
  find(tokenHash: string, now: Date = new Date(this.now())): Promise<SessionRecord | null> {
    return this.db.oneOrNone<SessionRecord>(
      `SELECT member_address AS "memberAddress", created_at AS "createdAt", expires_at AS "expiresAt"
         FROM member_sessions WHERE token_hash = $1 AND expires_at > $2`,
      [tokenHash, now],
    );
  }

  async delete(tokenHash: string): Promise<void> {
    await this.db.none('DELETE FROM member_sessions WHERE token_hash = $1', [tokenHash]);
  }

  async deleteExpired(now: Date = new Date(this.now())): Promise<number> {
    const result = await this.db.result('DELETE FROM member_sessions WHERE expires_at <= $1', [now]);
    return result.rowCount;
  }

  settled(): Promise<void> {
    return this.sweeper.settled();
  }
}
