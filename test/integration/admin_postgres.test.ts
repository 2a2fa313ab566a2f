// The admin command end to end, as a subprocess against the real PostgreSQL (a schema of its own).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { hashApiKey, isWellFormedApiKey } from '../../gateway/src/access/apiKey.ts';
import { runAdmin, type AdminRun } from '../helpers/admin.ts';
import { testSchema } from '../helpers/schema.ts';

const schema = testSchema('test_admin');
const db = schema.admin; // looks at the schema's tables by name, as the admin command leaves them
const ADDRESS = '0x787bc77F1700DCE0f8c1581c18A12d3153D1B150';
const secrets: string[] = []; // every key printed so far: no other output may contain one

function admin(...args: string[]): Promise<AdminRun> {
  return runAdmin({ ...process.env, DATABASE_URL: schema.url, PUBLIC_URL: 'https://rpc.example.org/' }, ...args);
}

function noSecrets(run: AdminRun, except?: string): void {
  for (const key of secrets) {
    if (key === except) continue;
    assert.not.ok(run.stdout.includes(key) || run.stderr.includes(key), 'an earlier key was printed again');
  }
}

test.before(async () => {
  await schema.create(); // empty: the admin command migrates it
});

test.after(async () => {
  await schema.drop();
});

test('help prints the usage and exits 0; no command is a usage error', async () => {
  const help = await admin('help');
  assert.is(help.code, 0);
  for (const s of ['key create --address', 'key list', 'key revoke']) assert.ok(help.stdout.includes(s), s);
  const none = await admin();
  assert.is(none.code, 2);
  assert.ok(none.stderr.includes('Usage'));
  const unknown = await admin('key', 'delete', '1');
  assert.is(unknown.code, 2);
  assert.match(unknown.stderr, /unknown key command "delete"/);
});

test('key create prints the endpoints, then the key alone on the last line; only its hash is stored', async () => {
  const run = await admin('key', 'create', '--address', ADDRESS, '--label', 'orchestrator one');
  assert.is(run.code, 0, run.stderr);
  assert.is(run.stderr, '');
  const key = run.lines.at(-1)!;
  assert.ok(isWellFormedApiKey(key), `last line is a key: ${key.slice(0, 4)}…`);
  secrets.push(key);
  assert.ok(run.stdout.includes('https://rpc.example.org/api/<API_KEY>/l2'));
  assert.ok(run.stdout.includes('https://rpc.example.org/api/<API_KEY>/l1'));
  assert.is(run.lines.filter((l) => l.includes(key)).length, 1, 'the key is printed once');

  const row = await db.one('SELECT k.*, m.source FROM $1:name.api_keys k JOIN $1:name.members m ON m.address = k.member_address', [schema.name]);
  assert.is(row.key_hash, hashApiKey(key));
  assert.is(row.prefix, key.slice(0, 8));
  assert.is(row.member_address, ADDRESS.toLowerCase());
  assert.is(row.label, 'orchestrator one');
  assert.is(row.source, 'operator');
  assert.not.ok(JSON.stringify(row).includes(key));
});

test('key create refuses a bad address, naming it, and stores nothing', async () => {
  const before = await db.one('SELECT count(*)::int AS n FROM $1:name.api_keys', [schema.name], (r: { n: number }) => r.n);
  const bad = await admin('key', 'create', '--address', '0x1234');
  assert.is(bad.code, 1);
  assert.match(bad.stderr, /Invalid Ethereum address: expected 0x followed by 40 hex digits, got "0x1234"/);
  assert.is(bad.stdout, '');
  const checksum = await admin('key', 'create', '--address', `${ADDRESS.slice(0, -1)}b`);
  assert.is(checksum.code, 1);
  assert.match(checksum.stderr, /checksum/);
  const missing = await admin('key', 'create', '--label', 'x');
  assert.is(missing.code, 2);
  assert.match(missing.stderr, /--address/);
  assert.is(await db.one('SELECT count(*)::int AS n FROM $1:name.api_keys', [schema.name], (r: { n: number }) => r.n), before);
});

test('key list shows id, prefix, address, label and dates, never a key or a hash', async () => {
  const second = await admin('key', 'create', `--address=${ADDRESS.toLowerCase()}`);
  assert.is(second.code, 0);
  secrets.push(second.lines.at(-1)!);
  const table = await admin('key', 'list');
  assert.is(table.code, 0, table.stderr);
  assert.match(table.lines[0]!, /^ID\s+PREFIX\s+ADDRESS\s+LABEL\s+CREATED\s+LAST USED\s+REVOKED$/);
  assert.is(table.lines.length, 3);
  assert.ok(table.lines[1]!.includes('orchestrator one'));
  noSecrets(table);
  const hashes = await db.map('SELECT key_hash FROM $1:name.api_keys', [schema.name], (r: { key_hash: string }) => r.key_hash);
  for (const h of hashes) assert.not.ok(table.stdout.includes(h));

  const json = await admin('key', 'list', '--json');
  const keys = JSON.parse(json.stdout) as Array<Record<string, string | null>>;
  assert.equal(Object.keys(keys[0]!).sort(), ['address', 'createdAt', 'id', 'label', 'lastUsedAt', 'prefix', 'revokedAt']);
  assert.equal(keys.map((k) => k.prefix), secrets.map((k) => k.slice(0, 8)));
});

test('key revoke by prefix revokes that key; revoking it again says so', async () => {
  const prefix = secrets[0]!.slice(0, 6);
  const run = await admin('key', 'revoke', prefix);
  assert.is(run.code, 0, run.stderr);
  assert.match(run.stdout, /Revoked API key 1 /);
  const revoked = await db.any('SELECT id FROM $1:name.api_keys WHERE revoked_at IS NOT NULL', [schema.name]);
  assert.equal(revoked, [{ id: '1' }]);
  const again = await admin('key', 'revoke', '1');
  assert.is(again.code, 0);
  assert.match(again.stdout, /already revoked/);
  const list = await admin('key', 'list', '--json');
  assert.ok((JSON.parse(list.stdout) as Array<{ revokedAt: string | null }>)[0]!.revokedAt);
});

test('key revoke refuses an ambiguous prefix, listing the ids, and revokes nothing', async () => {
  // Two keys whose display prefixes share their first four characters.
  for (const prefix of ['zzzzAAAA', 'zzzzBBBB']) {
    await db.none("INSERT INTO $1:name.api_keys (key_hash, prefix, member_address) VALUES (md5($2) || md5($2), $2, $3)", [
      schema.name,
      prefix,
      ADDRESS.toLowerCase(),
    ]);
  }
  const run = await admin('key', 'revoke', 'zzzz');
  assert.is(run.code, 1);
  assert.match(run.stderr, /prefix "zzzz" matches 2 keys \(ids \d+, \d+\); use the id or a longer prefix/);
  const revoked = await db.one('SELECT count(*)::int AS n FROM $1:name.api_keys WHERE revoked_at IS NOT NULL', [schema.name], (r: { n: number }) => r.n);
  assert.is(revoked, 1, 'only the key revoked before');
  const exact = await admin('key', 'revoke', 'zzzzB');
  assert.is(exact.code, 0, exact.stderr);
});

test('key revoke takes the whole key without printing it, and names what it cannot find', async () => {
  const key = secrets[1]!;
  const run = await admin('key', 'revoke', key);
  assert.is(run.code, 0, run.stderr);
  assert.not.ok(run.stdout.includes(key));
  assert.ok(run.stdout.includes(key.slice(0, 8)), 'named by its prefix');
  const missing = await admin('key', 'revoke', '9999999999');
  assert.is(missing.code, 1);
  assert.match(missing.stderr, /No API key matches id 9999999999/);
  noSecrets(missing);
});

test.run();
