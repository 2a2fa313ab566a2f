// Applies db/migrations/*.sql in order, each file once, in one transaction under an advisory lock,
// so two gateway replicas starting together neither race nor apply a file twice.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { projectPath } from '../common/projectRoot.ts';
import type pgPromise from 'pg-promise';
import { describeDbError, MigrationError } from './errors.ts';

export const MIGRATIONS_DIR = projectPath('db', 'migrations');
/** Any constant works; every runner of this project must use the same one. */
const MIGRATION_LOCK_ID = 7_340_521_968;
const FILE_NAME = /^(\d+)_[a-z0-9_]+\.sql$/;

export interface Migration {
  name: string;
  sql: string;
  checksum: string;
}

/** The migration files of a directory in the order they apply (by number). */
export function readMigrations(dir: string = MIGRATIONS_DIR): Migration[] {
  let names: string[];
  try {
    names = readdirSync(dir).filter((n) => n.endsWith('.sql'));
  } catch (err) {
    throw new MigrationError(`cannot read the migrations directory ${dir}: ${(err as Error).message}`, err);
  }
  const numbered = names.map((name) => {
    const m = FILE_NAME.exec(name);
    if (!m) throw new MigrationError(`migration file ${name} must be named like 001_what_it_does.sql`);
    return { name, n: Number(m[1]) };
  });
  numbered.sort((a, b) => a.n - b.n);
  for (let i = 1; i < numbered.length; i++) {
    if (numbered[i]!.n === numbered[i - 1]!.n) {
      throw new MigrationError(`migrations ${numbered[i - 1]!.name} and ${numbered[i]!.name} share a number`);
    }
  }
  return numbered.map(({ name }) => {
    const sql = readFileSync(join(dir, name), 'utf8');
    return { name, sql, checksum: createHash('sha256').update(sql).digest('hex') };
  });
}

/** Apply what is not applied yet; returns the names applied by this call. */
export async function migrate(db: pgPromise.IDatabase<unknown>, dir: string = MIGRATIONS_DIR): Promise<string[]> {
  const migrations = readMigrations(dir);
  return db.tx('migrate', async (t) => {
    try {
      await t.any('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK_ID]);
      await t.none(
        `CREATE TABLE IF NOT EXISTS schema_migrations (
           name text PRIMARY KEY,
           checksum text NOT NULL,
           applied_at timestamptz NOT NULL DEFAULT now()
         )`,
      );
    } catch (err) {
      throw new MigrationError(`cannot prepare the migrations table: ${describeDbError(err)}`, err);
    }
    const rows = await t.any<{ name: string; checksum: string }>('SELECT name, checksum FROM schema_migrations');
    const applied = new Map(rows.map((r) => [r.name, r.checksum]));
    const done: string[] = [];
    for (const m of migrations) {
      const checksum = applied.get(m.name);
      if (checksum !== undefined) {
        // A file edited after it ran would leave databases that differ; a new file is the way to change a schema.
        if (checksum !== m.checksum) throw new MigrationError(`migration ${m.name} was changed after it was applied; add a new migration instead`);
        continue;
      }
      try {
        await t.none(m.sql);
      } catch (err) {
        throw new MigrationError(`migration ${m.name} failed: ${describeDbError(err)}`, err);
      }
      await t.none('INSERT INTO schema_migrations (name, checksum) VALUES ($1, $2)', [m.name, m.checksum]);
      done.push(m.name);
    }
    return done;
  });
}
