// The database: PostgreSQL at DATABASE_URL, or the embedded PGlite of DATA_DIR served over its unix socket.
// Either way the rest of the gateway sees one pg-promise database. Failures degrade, never crash.
import pgPromise from 'pg-promise';
import type { Emitter } from '../common/bus.ts';
import type { StoreErrorEvent } from './events.ts';
import { openEmbedded, type EmbeddedServer } from './embedded.ts';
import { describeDbError, StoreError } from './errors.ts';
import { migrate, MIGRATIONS_DIR } from './migrate.ts';

export interface Database {
  db: pgPromise.IDatabase<unknown>;
  kind: 'postgres' | 'embedded';
  /** Where it is, safe to log: host, port and database name, or the socket directory. Never a password. */
  location: string;
  close(): Promise<void>;
  /** True when a trivial query answers in time; never throws. */
  ping(): Promise<boolean>;
}

export interface OpenDatabaseOptions {
  migrate?: boolean;
  migrationsDir?: string;
  /** Connection-level failures (a lost connection, a pool error) are reported here as `store.error`. */
  bus?: Emitter<StoreErrorEvent>;
  /** Embedded only: how long to wait for another process that holds the PGlite but does not answer yet. */
  embeddedWaitMs?: number;
  pingTimeoutMs?: number;
}

const CONNECT_TIMEOUT_MS = 5000;
const QUERY_TIMEOUT_MS = 30_000; // bounds a hung server; the key resolver has its own, shorter deadline

export async function openDatabase(
  cfg: { databaseUrl?: string; dataDir: string },
  opts: OpenDatabaseOptions = {},
): Promise<Database> {
  const report = (err: unknown) => opts.bus?.emit({ type: 'store.error', operation: 'connection', message: describeDbError(err) });
  const pgp = pgPromise({
    noWarnings: true,
    // Query errors reach their callers; this hook reports what has no caller (an idle connection lost).
    error: (err: unknown, e: { query?: unknown } | undefined) => {
      if (e?.query === undefined) report(err);
    },
  });
  let embedded: EmbeddedServer | undefined;
  let db: pgPromise.IDatabase<unknown>;
  let location: string;
  if (cfg.databaseUrl) {
    location = safeLocation(cfg.databaseUrl);
    db = pgp({
      connectionString: cfg.databaseUrl,
      max: 10,
      connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
      query_timeout: QUERY_TIMEOUT_MS,
      keepAlive: true,
      application_name: 'community-rpc-gateway',
    });
  } else {
    embedded = await openEmbedded(cfg.dataDir, { waitMs: opts.embeddedWaitMs, onError: report });
    location = `embedded ${embedded.host}`;
    db = pgp({
      host: embedded.host,
      port: embedded.port,
      database: 'postgres',
      user: 'postgres',
      max: 1, // PGlite is one session: one connection keeps each transaction to itself
      connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
      query_timeout: QUERY_TIMEOUT_MS,
    });
  }

  let closing: Promise<void> | undefined;
  const database: Database = {
    db,
    kind: embedded ? 'embedded' : 'postgres',
    location,
    close: () =>
      (closing ??= (async () => {
        await db.$pool.end().catch(() => {});
        await embedded?.close();
      })()),
    ping: () => ping(db, opts.pingTimeoutMs ?? 2000),
  };

  if (opts.migrate) {
    try {
      await migrate(db, opts.migrationsDir ?? MIGRATIONS_DIR);
    } catch (err) {
      await database.close().catch(() => {});
      if (err instanceof StoreError) throw err;
      throw new StoreError(`cannot prepare the database (${location}): ${describeDbError(err)}`, err);
    }
  }
  return database;
}

async function ping(db: pgPromise.IDatabase<unknown>, timeoutMs: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), timeoutMs);
  });
  try {
    return await Promise.race([db.one('SELECT 1 AS ok').then(() => true, () => false), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** host:port/database of a PostgreSQL URL, without user or password. */
export function safeLocation(url: string): string {
  try {
    const u = new URL(url);
    return `${u.hostname}${u.port ? `:${u.port}` : ''}${u.pathname}`;
  } catch {
    return 'postgres (unparseable DATABASE_URL)';
  }
}
