// The backup and restore docs/DEPLOY.md gives, run once against the local PostgreSQL: pg_dump of the gateway's
// schema (custom format), pg_restore into another schema, and a gateway opened on the restored copy finds the
// members and keys (the key still resolves to its member) and has nothing left to migrate.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { hashApiKey } from '../../gateway/src/access/apiKey.ts';
import { createMemberKey, listKeys } from '../../gateway/src/membership/keys.ts';
import { openDatabase } from '../../gateway/src/store/db.ts';
import { migrate } from '../../gateway/src/store/migrate.ts';
import { BASE_DATABASE_URL, testSchema } from '../helpers/schema.ts';

const source = testSchema('backup_src');
const target = testSchema('backup_dst');
const dir = mkdtempSync(join(tmpdir(), 'gw-backup-'));

test.after(async () => {
  await source.drop();
  await target.drop();
  rmSync(dir, { recursive: true, force: true });
});

test('pg_dump of the schema, pg_restore into another: members and keys survive, migrations are complete', async () => {
  const database = await source.open();
  const { key, id } = await createMemberKey(database, { address: `0x${'ab'.repeat(20)}`, label: 'backed up' });
  await database.close();

  const dump = join(dir, 'gateway.dump');
  const d = spawnSync('pg_dump', ['--format=custom', '--no-owner', `--schema=${source.name}`, `--file=${dump}`, BASE_DATABASE_URL], { encoding: 'utf8' });
  assert.is(d.status, 0, d.stderr);

  // Restore under another name: rename the schema in a fresh database-side copy (pg_restore restores by name).
  await source.admin.none('ALTER SCHEMA $1:name RENAME TO $2:name', [source.name, `${source.name}_live`]);
  try {
    const r = spawnSync('pg_restore', ['--no-owner', `--dbname=${BASE_DATABASE_URL}`, dump], { encoding: 'utf8' });
    assert.is(r.status, 0, r.stderr);
    await target.admin.none('DROP SCHEMA IF EXISTS $1:name CASCADE', [target.name]);
    await target.admin.none('ALTER SCHEMA $1:name RENAME TO $2:name', [source.name, target.name]);
  } finally {
    await source.admin.none('ALTER SCHEMA $1:name RENAME TO $2:name', [`${source.name}_live`, source.name]);
  }

  const restored = await openDatabase({ databaseUrl: target.url, dataDir: '/nonexistent' });
  try {
    assert.equal(await migrate(restored.db), [], 'nothing left to apply');
    const keys = await listKeys(restored);
    assert.equal(keys.map((k) => [k.id, k.label]), [[id, 'backed up']]);
    const row = await restored.db.one('SELECT member_address FROM api_keys WHERE key_hash = $1', [hashApiKey(key)]);
    assert.is(row.member_address, `0x${'ab'.repeat(20)}`);
  } finally {
    await restored.close();
  }
});

test.run();
