// A PostgreSQL schema of a test file's own (on DATABASE_URL or the machine's server), migrated like production,
// so files running in parallel and reruns never see each other's rows.
import pgPromise from 'pg-promise';
import { openDatabase, type Database } from '../../gateway/src/store/db.ts';

export const BASE_DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

export interface TestSchema {
  /** `<prefix>_<pid>`. */
  name: string;
  /** A DATABASE_URL whose search_path is this schema. */
  url: string;
  /** A connection to BASE_DATABASE_URL (search_path not set: name the schema), for what the file's own code may not do. */
  admin: pgPromise.IDatabase<unknown>;
  /** Drops any leftover and creates the schema, empty: for a gateway, CLI or test that migrates it itself. */
  create(): Promise<void>;
  /** create(), then opens the schema with migrations applied. */
  open(): Promise<Database>;
  /** Drops the schema and closes the admin connection. */
  drop(): Promise<void>;
}

export function testSchema(prefix: string): TestSchema {
  const name = `${prefix}_${process.pid}`;
  const url = new URL(BASE_DATABASE_URL);
  url.searchParams.set('options', `-c search_path=${name}`);
  const admin = pgPromise({ noWarnings: true })(BASE_DATABASE_URL);
  const create = async () => {
    await admin.none('DROP SCHEMA IF EXISTS $1:name CASCADE; CREATE SCHEMA $1:name', [name]);
  };
  return {
    name,
    url: url.toString(),
    admin,
    create,
    async open() {
      await create();
      return openDatabase({ databaseUrl: url.toString(), dataDir: '/nonexistent' }, { migrate: true });
    },
    async drop() {
      await admin.none('DROP SCHEMA IF EXISTS $1:name CASCADE', [name]);
      await admin.$pool.end();
    },
  };
}
