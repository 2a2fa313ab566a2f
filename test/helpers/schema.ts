// A PostgreSQL schema of a test file's own (on DATABASE_URL or the machine's server), migrated like production,
// so files running in parallel and reruns never see each other's rows.
import pgPromise from 'pg-promise';
import { openDatabase, type Database } from '../../gateway/src/store/db.ts';

export const BASE_DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

export interface TestSchema {
  name: string;
  /** A DATABASE_URL whose search_path is this schema. */
  url: string;
  /** Drops any leftover, creates the schema and opens it with migrations applied. */
  open(): Promise<Database>;
  /** Drops the schema and closes the admin connection. */
  drop(): Promise<void>;
}

export function testSchema(prefix: string): TestSchema {
  const name = `${prefix}_${process.pid}`;
  const url = new URL(BASE_DATABASE_URL);
  url.searchParams.set('options', `-c search_path=${name}`);
  const admin = pgPromise({ noWarnings: true })(BASE_DATABASE_URL);
  return {
    name,
    url: url.toString(),
    async open() {
      await admin.none('DROP SCHEMA IF EXISTS $1:name CASCADE; CREATE SCHEMA $1:name', [name]);
      return openDatabase({ databaseUrl: url.toString(), dataDir: '/nonexistent' }, { migrate: true });
    },
    async drop() {
      await admin.none('DROP SCHEMA IF EXISTS $1:name CASCADE', [name]);
      await admin.$pool.end();
    },
  };
}
