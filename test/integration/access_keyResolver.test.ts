// The key check against the real PostgreSQL: answers, caching, revocation within the TTL,
// stale-if-error when the database goes away, and batched last-used writes.
import { createServer } from 'node:net';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { generateApiKey } from '../../gateway/src/access/apiKey.ts';
import { KeyResolver, type KeyResolverOptions, type KeyStore } from '../../gateway/src/access/keyResolver.ts';
import { createMemberKey, revokeKey } from '../../gateway/src/membership/keys.ts';
import { EventBus, type EventOf } from '../../gateway/src/events.ts';
import { ApiKeyRepo } from '../../gateway/src/store/apiKeys.ts';
import { openDatabase, type Database } from '../../gateway/src/store/db.ts';
import { manualClock } from '../helpers/clock.ts';
import { testSchema } from '../helpers/schema.ts';

const schema = testSchema('test_keys');

const unhandled: unknown[] = [];
process.on('unhandledRejection', (err) => unhandled.push(err));

let database: Database;
const resolvers: KeyResolver[] = [];
const extraDatabases: Database[] = [];

test.before(async () => {
  database = await schema.open();
});

test.after(async () => {
  await Promise.all(resolvers.map((r) => r.stop().catch(() => {})));
  await Promise.all([database, ...extraDatabases].map((d) => d.close()));
  await schema.drop();
});

let n = 0;
const address = () => `0x${(++n).toString(16).padStart(4, '0')}${'ab'.repeat(18)}`;

/** The real repository, with its calls counted. */
function countingStore(db: Database): KeyStore & { lookups: number; touches: string[][] } {
  const repo = new ApiKeyRepo(db.db);
  const store = {
    lookups: 0,
    touches: [] as string[][],
    findByHash(hash: string) {
      store.lookups++;
      return repo.findByHash(hash);
    },
    touch(ids: readonly string[]) {
      store.touches.push([...ids]);
      return repo.touch(ids);
    },
  };
  return store;
}

/** A resolver on its own clock, which the test moves: time-based answers are proven without sleeping. */
function resolver(store: KeyStore | Database, ttlMs: number, options: KeyResolverOptions = {}) {
  const bus = new EventBus();
  const errors: Array<EventOf<'store.error'>> = [];
  bus.on('store.error', (e) => errors.push(e));
  const cfg = { keyCacheTtlMs: ttlMs, keyCacheMax: 100 };
  const clock = manualClock();
  const keys = 'findByHash' in store ? store : new ApiKeyRepo(store.db);
  const r = new KeyResolver(keys, cfg, bus, { now: clock.now, ...options });
  resolvers.push(r);
  return { r, errors, clock };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('a valid key resolves to its id and member; the database row holds only its hash', async () => {
  const created = await createMemberKey(database, { address: address(), label: 'k' });
  const { r, errors } = resolver(database, 5000);
  const check = await r.resolve(created.key);
  assert.equal(check, { ok: true, keyId: created.id, memberAddress: created.memberAddress });
  const rows = await database.db.map('SELECT row_to_json(k)::text AS j FROM api_keys k', [], (x: { j: string }) => x.j);
  assert.ok(rows.length > 0);
  for (const row of rows) assert.not.ok(row.includes(created.key), 'no key in any row');
  assert.ok(rows.some((row) => row.includes(created.prefix)), 'the display prefix is stored');
  assert.equal(errors, []);
});

test('an unknown well-formed key is unknown_key', async () => {
  const { r } = resolver(database, 5000);
  assert.equal(await r.resolve(generateApiKey().key), { ok: false, reason: 'unknown_key' });
});

test('knownValid says, without a query, whether a key checked out: never for unknown, revoked or unseen keys', async () => {
  const created = await createMemberKey(database, { address: address(), label: 'k' });
  const store = countingStore(database);
  const { r } = resolver(store, 5000);
  assert.not.ok(r.knownValid(created.key), 'not looked up yet');
  await r.resolve(created.key);
  const unknown = generateApiKey().key;
  await r.resolve(unknown);
  const lookups = store.lookups;
  assert.ok(r.knownValid(created.key));
  assert.not.ok(r.knownValid(unknown));
  assert.not.ok(r.knownValid('not a key'));
  assert.is(store.lookups, lookups, 'no query');
  r.evict({ keyIds: [created.id] });
  assert.not.ok(r.knownValid(created.key), 'forgotten after a revocation');
});

test('a malformed key is refused without querying the database', async () => {
  const store = countingStore(database);
  const { r, errors } = resolver(store, 5000);
  const good = generateApiKey().key;
  for (const bad of ['', 'abc', `${good}x`, good.slice(1), "'; DROP TABLE api_keys; --", 'a'.repeat(100_000)]) {
    assert.equal(await r.resolve(bad), { ok: false, reason: 'unknown_key' });
  }
  assert.is(store.lookups, 0);
  assert.equal(errors, []);
});

test('answers are cached: many concurrent and repeated checks of a key make one query', async () => {
  const created = await createMemberKey(database, { address: address() });
  const store = countingStore(database);
  const { r } = resolver(store, 5000);
  const checks = await Promise.all(Array.from({ length: 20 }, () => r.resolve(created.key)));
  for (const c of checks) assert.ok(c.ok);
  assert.ok((await r.resolve(created.key)).ok);
  assert.is(store.lookups, 1);
});

test('a revoked key is refused once its cached answer is older than the TTL', async () => {
  const created = await createMemberKey(database, { address: address() });
  const { r, clock } = resolver(database, 300);
  assert.ok((await r.resolve(created.key)).ok);
  await revokeKey(database, created.id);
  clock.advance(299);
  assert.ok((await r.resolve(created.key)).ok, 'still cached within the TTL');
  clock.advance(1);
  assert.equal(await r.resolve(created.key), { ok: false, reason: 'revoked_key' });
});

test('an eviction by key id makes a revocation take effect at once', async () => {
  const created = await createMemberKey(database, { address: address() });
  const { r } = resolver(database, 60_000);
  assert.ok((await r.resolve(created.key)).ok);
  await revokeKey(database, created.id);
  r.evict({ keyIds: [created.id] });
  assert.equal(await r.resolve(created.key), { ok: false, reason: 'revoked_key' });
});

test('a key whose membership has expired is inactive_member', async () => {
  const created = await createMemberKey(database, { address: address() });
  await database.db.none("UPDATE members SET active_until = now() - interval '1 minute' WHERE address = $1", [created.memberAddress]);
  const { r } = resolver(database, 5000);
  assert.equal(await r.resolve(created.key), { ok: false, reason: 'inactive_member' });
});

test('a new key works within a second even right after it was looked up as unknown', async () => {
  const { r, clock } = resolver(database, 60_000, { negativeTtlMs: 200 });
  const created = await createMemberKey(database, { address: address() });
  // Look up a key before it exists by removing and re-inserting its row.
  const row = await database.db.one('DELETE FROM api_keys WHERE id = $1 RETURNING key_hash, prefix, member_address', [created.id]);
  assert.equal(await r.resolve(created.key), { ok: false, reason: 'unknown_key' });
  await database.db.none('INSERT INTO api_keys (key_hash, prefix, member_address) VALUES (${key_hash}, ${prefix}, ${member_address})', row);
  assert.equal(await r.resolve(created.key), { ok: false, reason: 'unknown_key' }, 'the unknown answer holds for its short TTL');
  clock.advance(200);
  assert.ok((await r.resolve(created.key)).ok);
});

test('when the database goes away, a recently valid key keeps working and an unknown key is access_unavailable', async () => {
  const own = await openDatabase({ databaseUrl: schema.url, dataDir: '/nonexistent' });
  extraDatabases.push(own);
  const created = await createMemberKey(own, { address: address() });
  const { r, errors, clock } = resolver(own, 100, { retryAfterErrorMs: 50 });
  assert.ok((await r.resolve(created.key)).ok);
  await own.close();
  clock.advance(150); // past the fresh TTL: the next check must go to the (gone) database
  assert.equal(await r.resolve(created.key), { ok: true, keyId: created.id, memberAddress: created.memberAddress });
  clock.advance(60);
  assert.equal(await r.resolve(generateApiKey().key), { ok: false, reason: 'access_unavailable' });
  assert.ok(errors.length >= 2, 'each failed look-up is reported');
  for (const e of errors) {
    assert.is(e.operation, 'key_lookup');
    assert.not.ok(e.message.includes(created.key));
  }
});

test('a database on a dead port answers access_unavailable, bounded in time', async () => {
  const port = await new Promise<number>((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => resolve(p));
    });
  });
  const dead = await openDatabase({ databaseUrl: `postgres://postgres@127.0.0.1:${port}/test`, dataDir: '/nonexistent' });
  extraDatabases.push(dead);
  const { r, errors } = resolver(dead, 5000, { lookupTimeoutMs: 3000 });
  const key = generateApiKey().key;
  assert.equal(await r.resolve(key), { ok: false, reason: 'access_unavailable' });
  assert.equal(await r.resolve(key), { ok: false, reason: 'access_unavailable' }, 'and again while backing off');
  assert.is(errors.length, 1, 'the second check did not queue on the dead database');
  assert.not.ok(errors[0]!.message.includes(key));
  assert.not.ok(await dead.ping());
});

test('touches are written in one statement per flush, and stop() writes what is left', async () => {
  const keys = await Promise.all(Array.from({ length: 5 }, () => createMemberKey(database, { address: address() })));
  const store = countingStore(database);
  const { r } = resolver(store, 5000, { flushIntervalMs: 60_000 });
  r.start();
  for (let round = 0; round < 3; round++) for (const k of keys) r.touch(k.id);
  assert.equal(store.touches, [], 'nothing written per request');
  await r.flush();
  assert.is(store.touches.length, 1);
  assert.equal([...store.touches[0]!].sort(), keys.map((k) => k.id).sort());
  const used = await database.db.any('SELECT id::text AS id FROM api_keys WHERE last_used_at IS NOT NULL AND id = ANY($1::bigint[])', [
    keys.map((k) => k.id),
  ]);
  assert.is(used.length, 5);

  r.touch(keys[0]!.id);
  await r.flush();
  await r.flush(); // nothing touched since: no statement
  r.touch(keys[1]!.id);
  await r.stop();
  assert.equal(store.touches.slice(1), [[keys[0]!.id], [keys[1]!.id]]);
});

test('no check above left an unhandled rejection behind', async () => {
  await sleep(50);
  assert.equal(unhandled, []);
});

test.run();
