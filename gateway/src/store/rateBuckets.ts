// Token buckets in PostgreSQL, shared by every replica on the database: the same limiter as common/rateLimit.ts
// (a bucket of `burst` tokens refilled at `perMinute`), counted in the rate_buckets table with the database's
// clock, so N replicas allow together what one allows. One atomic upsert per token taken; a read to check.
// The database failing or slow never blocks a request: this replica's own in-memory bucket answers instead.
import type pgPromise from 'pg-promise';
import { RateLimiter, type ClientLimiter, type RateLimitOptions } from '../common/rateLimit.ts';
import { describeDbError } from './errors.ts';

export interface SharedRateLimitOptions extends RateLimitOptions {
  /** Which limit: the unknown-key limit and each sign-in limit have their own buckets. */
  scope: string;
  /** Longest wait for the database before the local bucket answers (default 500 ms). */
  timeoutMs?: number;
  /** The database failed a check or a take (the local bucket answered). */
  onError?: (message: string) => void;
}

const SWEEP_EVERY_MS = 60_000;

/** The bucket's tokens now ($3 burst, $4 tokens per second), by the database's clock: the same on every replica. */
const refilled = (table: string) =>
  `least($3, ${table}.tokens + extract(epoch FROM statement_timestamp() - ${table}.updated_at)::float8 * $4)::float8`;

/**
 * One atomic statement: a new client starts with a full bucket less this token; otherwise the bucket is refilled
 * to now and a token taken if there is one. `allowed` says which (every SET expression sees the old row).
 */
const TAKE = `
  INSERT INTO rate_buckets AS b (scope, client, tokens, allowed, updated_at)
  VALUES ($1, $2, $3 - 1, true, statement_timestamp())
  ON CONFLICT (scope, client) DO UPDATE SET
    tokens = CASE WHEN ${refilled('b')} >= 1 THEN ${refilled('b')} - 1 ELSE ${refilled('b')} END,
    allowed = ${refilled('b')} >= 1,
    updated_at = statement_timestamp()
  RETURNING tokens, allowed`;

export class PgRateLimiter implements ClientLimiter {
  private readonly local: RateLimiter;
  private readonly perSecond: number;
  private lastSweep = 0;

  constructor(
    private readonly db: pgPromise.IDatabase<unknown>,
    private readonly options: SharedRateLimitOptions,
  ) {
    this.local = new RateLimiter(options);
    this.perSecond = options.perMinute / 60;
  }

  /** Milliseconds until `client` has a token (0: it has one now), without taking it. */
  async wait(client: string): Promise<number> {
    const row = await this.bounded(
      this.db.oneOrNone<{ tokens: number }>(
        `SELECT ${refilled('rate_buckets')} AS tokens FROM rate_buckets WHERE scope = $1 AND client = $2`,
        [this.options.scope, client, this.options.burst, this.perSecond],
      ),
    );
    if (row === undefined) return this.local.wait(client);
    return row === null ? 0 : this.waitFor(row.tokens);
  }

  /** Takes one token for `client`; 0 when allowed, else the milliseconds until one is available. */
  async take(client: string): Promise<number> {
    this.maybeSweep();
    const row = await this.bounded(
      this.db.one<{ tokens: number; allowed: boolean }>(TAKE, [this.options.scope, client, this.options.burst, this.perSecond]),
    );
    if (row === undefined) return this.local.take(client);
    return row.allowed ? 0 : this.waitFor(row.tokens);
  }

  private waitFor(tokens: number): number {
    return tokens >= 1 ? 0 : Math.ceil(((1 - tokens) / this.perSecond) * 1000);
  }

  /** The query's answer, or undefined when it failed or took longer than the deadline. */
  private async bounded<T>(query: Promise<T>): Promise<T | undefined> {
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<undefined>((resolve) => {
      timer = setTimeout(() => {
        this.options.onError?.(`rate limit ${this.options.scope}: no answer within ${this.options.timeoutMs ?? 500} ms`);
        resolve(undefined);
      }, this.options.timeoutMs ?? 500);
    });
    try {
      return await Promise.race([
        query.catch((err: unknown) => {
          this.options.onError?.(`rate limit ${this.options.scope}: ${describeDbError(err)}`);
          return undefined;
        }),
        deadline,
      ]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Buckets idle long enough to be full again say nothing a missing row does not: delete them, now and then. */
  private maybeSweep(): void {
    const now = Date.now();
    if (now - this.lastSweep < SWEEP_EVERY_MS) return;
    this.lastSweep = now;
    const fullAfterSeconds = Math.ceil(this.options.burst / this.perSecond) + 1;
    void this.db
      .none(`DELETE FROM rate_buckets WHERE scope = $1 AND updated_at < statement_timestamp() - make_interval(secs => $2)`, [this.options.scope, fullAfterSeconds])
      .catch((err: unknown) => this.options.onError?.(`rate limit ${this.options.scope} sweep: ${describeDbError(err)}`));
  }
}
