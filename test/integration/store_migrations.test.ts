// The migrations runner against the machine's real PostgreSQL (a schema of its own) and an embedded PGlite.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { openDatabase, type Database } from '../../gateway/src/store/db.ts';
import { MigrationError } from '../../gateway/src/store/errors.ts';
import { migrate, readMigrations } from '../../gateway/src/store/migrate.ts';
import { testSchema, type TestSchema } from '../helpers/schema.ts';

const schemas: TestSchema[] = [];
const tmp = mkdtempSync(join(tmpdir(), 'gw-migrate-'));

/** A fresh, empty (unmigrated) schema: the URL whose connections use it. */
async function freshSchema(): Promise<string> {
  const schema = testSchema(`test_migrate_${schemas.length}`);
  schemas.push(schema);
  await schema.create();
  return schema.url;
}

function migrationsDir(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmp, 'm-'));
  for (const [name, sql] of Object.entries(files)) writeFileSync(join(dir, name), sql);
  return dir;
}

// Each file records its turn, so the table shows the order they ran in.
const ORDERED = {
  '10_third.sql': "INSERT INTO steps (name) VALUES ('third');",
  '1_first.sql': 'CREATE TABLE steps (n serial PRIMARY KEY, name text NOT NULL);',
  '2_second.sql': "INSERT INTO steps (name) VALUES ('second');",
};

const pg = suite('migrations on PostgreSQL');
const opened: Database[] = [];
async function open(url: string): Promise<Database> {
  const d = await openDatabase({ databaseUrl: url, dataDir: tmp });
  opened.push(d);
  return d;
}

pg.after(async () => {
  await Promise.all(opened.map((d) => d.close()));
  for (const s of schemas) await s.drop();
});

pg('files run in numeric order, once: a second run applies nothing', async () => {
  const d = await open(await freshSchema());
  const dir = migrationsDir(ORDERED);
  assert.equal(await migrate(d.db, dir), ['1_first.sql', '2_second.sql', '10_third.sql']);
  assert.equal(await migrate(d.db, dir), []);
  assert.equal(await d.db.map('SELECT name FROM steps ORDER BY n', [], (r: { name: string }) => r.name), ['second', 'third']);
  const recorded = await d.db.map('SELECT name FROM schema_migrations ORDER BY name', [], (r: { name: string }) => r.name);
  assert.equal(recorded, ['10_third.sql', '1_first.sql', '2_second.sql']);
});

pg('a new file added later is applied alone', async () => {
  const d = await open(await freshSchema());
  const dir = migrationsDir(ORDERED);
  await migrate(d.db, dir);
  writeFileSync(join(dir, '11_fourth.sql'), "INSERT INTO steps (name) VALUES ('fourth');");
  assert.equal(await migrate(d.db, dir), ['11_fourth.sql']);
  assert.is(await d.db.one('SELECT count(*)::int AS n FROM steps', [], (r: { n: number }) => r.n), 3);
});

pg('a failing file rolls the whole run back and is named in the error', async () => {
  const d = await open(await freshSchema());
  const dir = migrationsDir({ ...ORDERED, '3_broken.sql': 'INSERT INTO no_such_table VALUES (1);' });
  try {
    await migrate(d.db, dir);
    assert.unreachable('migrated');
  } catch (err) {
    assert.instance(err, MigrationError);
    assert.match((err as Error).message, /3_broken\.sql/);
  }
  const tables = await d.db.any("SELECT 1 FROM information_schema.tables WHERE table_schema = current_schema() AND table_name = 'steps'");
  assert.is(tables.length, 0, 'nothing of the run is left');
});

pg('a file changed after it was applied is refused', async () => {
  const d = await open(await freshSchema());
  const dir = migrationsDir(ORDERED);
  await migrate(d.db, dir);
  writeFileSync(join(dir, '2_second.sql'), "INSERT INTO steps (name) VALUES ('edited');");
  try {
    await migrate(d.db, dir);
    assert.unreachable('migrated');
  } catch (err) {
    assert.instance(err, MigrationError);
    assert.match((err as Error).message, /2_second\.sql was changed/);
  }
});

pg('badly named or duplicate-numbered files are refused before touching the database', () => {
  assert.throws(() => readMigrations(migrationsDir({ 'first.sql': 'SELECT 1;' })), /001_what_it_does/);
  assert.throws(() => readMigrations(migrationsDir({ '1_a.sql': 'SELECT 1;', '01_b.sql': 'SELECT 1;' })), /share a number/);
});

pg('two runners starting together apply each file exactly once', async () => {
  const url = await freshSchema();
  const [a, b] = [await open(url), await open(url)];
  // The slow first file keeps the first runner inside its transaction while the second one arrives.
  const dir = migrationsDir({ ...ORDERED, '1_first.sql': `SELECT pg_sleep(0.5); ${ORDERED['1_first.sql']}` });
  const [ranA, ranB] = await Promise.all([migrate(a.db, dir), migrate(b.db, dir)]);
  assert.equal([...ranA, ...ranB].sort(), ['10_third.sql', '1_first.sql', '2_second.sql']);
  assert.ok(ranA.length === 0 || ranB.length === 0, 'one runner did everything, the other nothing');
  assert.is(await a.db.one('SELECT count(*)::int AS n FROM steps', [], (r: { n: number }) => r.n), 2);
});

pg("the project's migrations apply through openDatabase and create the key tables", async () => {
  const url = await freshSchema();
  const d = await openDatabase({ databaseUrl: url, dataDir: tmp }, { migrate: true });
  opened.push(d);
  assert.is(d.kind, 'postgres');
  const tables = await d.db.map(
    "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() ORDER BY table_name",
    [],
    (r: { table_name: string }) => r.table_name,
  );
  for (const t of ['api_keys', 'members', 'schema_migrations']) assert.ok(tables.includes(t), `table ${t} exists`);
  assert.equal(await migrate(d.db), []);
  assert.not.ok(d.location.includes('postgres@'), 'location carries no user');
});

pg.run();

const embedded = suite('migrations on embedded PGlite');

embedded.after(() => rmSync(tmp, { recursive: true, force: true }));

embedded('two openers of one DATA_DIR migrate together: one owns the PGlite, each file runs once', async () => {
  const dataDir = join(tmp, 'pglite-data');
  const dir = migrationsDir(ORDERED);
  const [a, b] = await Promise.all([
    openDatabase({ dataDir }, { migrate: true, migrationsDir: dir }),
    openDatabase({ dataDir }, { migrate: true, migrationsDir: dir }),
  ]);
  try {
    assert.is(a.kind, 'embedded');
    assert.is(await a.db.one('SELECT count(*)::int AS n FROM schema_migrations', [], (r: { n: number }) => r.n), 3);
    assert.equal(await b.db.map('SELECT name FROM steps ORDER BY n', [], (r: { name: string }) => r.name), ['second', 'third']);
    assert.equal(await migrate(b.db, dir), []);
    const own = readMigrations().map((m) => m.name);
    assert.ok(own.includes('001_members_and_api_keys.sql'));
    assert.equal(await migrate(a.db), own, "the project's own migrations apply on PGlite");
  } finally {
    await b.close();
    await a.close();
  }
});

embedded.run();
