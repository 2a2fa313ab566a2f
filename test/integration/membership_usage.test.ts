// Usage counting against the real PostgreSQL: counted in memory, written in one statement per flush,
// kept through a failed flush, read back per key and network for the portal, and the adoption counts.
import { createServer } from 'node:net';
import pgPromise from 'pg-promise';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { UsageMeter, type UsageStore } from '../../gateway/src/access/usageMeter.ts';
import { createMemberKey } from '../../gateway/src/membership/keys.ts';
import { createKeyForMember } from '../../gateway/src/membership/membership.ts';
import { EventBus, type EventOf } from '../../gateway/src/events.ts';
import type { Database } from '../../gateway/src/store/db.ts';
import { writeActiveSet } from '../../gateway/src/store/orchestrators.ts';
import { readCounts } from '../../gateway/src/store/stats.ts';
import { HOUR_MS, hourOf, usageForMember, UsageRepo } from '../../gateway/src/store/usage.ts';
import { testSchema } from '../helpers/schema.ts';

const schema = testSchema('test_membership_usage');
// Our own pg-promise instance, so every statement sent can be counted.
const statements: string[] = [];
const pgp = pgPromise({ noWarnings: true, query: (e) => void statements.push(e.query) });
const counted = pgp(schema.url);

let database: Database;

test.before(async () => {
  database = await schema.open();
});

test.after(async () => {
  await database.close();
  await counted.$pool.end();
  await schema.drop();
});

let n = 0;
const address = () => `0x${(++n).toString(16).padStart(6, '0')}${'a5'.repeat(17)}`;

function recorder() {
  const bus = new EventBus();
  const errors: Array<EventOf<'store.error'>> = [];
  bus.on('store.error', (e) => errors.push(e));
  return { bus, errors };
}

test('N requests on two keys and two networks: nothing written until the flush, then one statement with the right counts', async () => {
  const a = address();
  const k1 = await createMemberKey(database, { address: a, label: 'one' });
  const k2 = await createMemberKey(database, { address: a, label: 'two' });
  const meter = new UsageMeter(new UsageRepo(counted), recorder().bus, { retentionMs: 0 });
  statements.length = 0;
  for (let i = 0; i < 40; i++) meter.count(k1.id, 'l2');
  for (let i = 0; i < 7; i++) meter.count(k1.id, 'l1');
  for (let i = 0; i < 3; i++) meter.count(k2.id, 'l2');
  assert.equal(statements, [], 'no write per request');
  assert.is(meter.pending(), 50);
  await meter.flush();
  assert.is(statements.length, 1, 'one statement per flush');
  assert.match(statements[0]!, /INSERT INTO key_usage/);
  assert.is(meter.pending(), 0);
  await meter.flush();
  assert.is(statements.length, 1, 'nothing counted since: no statement');

  for (let i = 0; i < 5; i++) meter.count(k1.id, 'l2');
  await meter.stop(); // writes what is left
  assert.is(statements.length, 2);

  const usage = await usageForMember(database.db, a.toUpperCase().replace('0X', '0x'));
  assert.equal(usage.map((k) => [k.id, k.label, k.usage]), [
    [k2.id, 'two', { l1: { last24h: 0, last30d: 0 }, l2: { last24h: 3, last30d: 3 } }],
    [k1.id, 'one', { l1: { last24h: 7, last30d: 7 }, l2: { last24h: 45, last30d: 45 } }],
  ]);
});

test('24 h and 30 d windows count by hour bucket; older buckets count in neither', async () => {
  const a = address();
  const { id } = await createMemberKey(database, { address: a });
  const now = hourOf(Date.now());
  const repo = new UsageRepo(database.db);
  await repo.record([
    { keyId: id, network: 'l2', hour: now, requests: 2 },
    { keyId: id, network: 'l2', hour: now - 3 * 24 * HOUR_MS, requests: 10 },
    { keyId: id, network: 'l2', hour: now - 40 * 24 * HOUR_MS, requests: 100 },
  ]);
  const [key] = await usageForMember(database.db, a);
  assert.equal(key!.usage.l2, { last24h: 2, last30d: 12 });
  assert.is(await repo.deleteBefore(now - 35 * 24 * HOUR_MS), 1, 'retention drops only the old bucket');
});

test('counts fall into the hour they were made in', async () => {
  const a = address();
  const { id } = await createMemberKey(database, { address: a });
  let clock = hourOf(Date.now()) - HOUR_MS + 59 * 60_000; // one minute before the current hour starts
  const meter = new UsageMeter(new UsageRepo(database.db), recorder().bus, { retentionMs: 0, now: () => clock });
  meter.count(id, 'l2');
  clock += 2 * 60_000;
  meter.count(id, 'l2');
  meter.count(id, 'l2');
  await meter.flush();
  const rows = await database.db.map(
    'SELECT (extract(epoch FROM hour) * 1000)::bigint AS hour, requests FROM key_usage WHERE key_id = $1 ORDER BY hour',
    [id],
    (r: { hour: string; requests: string }) => [Number(r.hour), Number(r.requests)],
  );
  assert.equal(rows, [
    [hourOf(clock) - HOUR_MS, 1],
    [hourOf(clock), 2],
  ]);
});

test('a failed flush keeps its counts (and reports) until a flush succeeds', async () => {
  const a = address();
  const { id } = await createMemberKey(database, { address: a });
  const port = await closedPort();
  const deadDb = pgp({ host: '127.0.0.1', port, database: 'test', user: 'postgres', connectionTimeoutMillis: 2000 });
  let target = new UsageRepo(deadDb);
  const store: UsageStore = { record: (rows) => target.record(rows) };
  const { bus, errors } = recorder();
  const meter = new UsageMeter(store, bus, { retentionMs: 0 });
  try {
    for (let i = 0; i < 4; i++) meter.count(id, 'l1');
    await meter.flush();
    assert.is(errors.length, 1);
    assert.is(errors[0]!.operation, 'usage_flush');
    meter.count(id, 'l1');
    target = new UsageRepo(database.db);
    await meter.flush();
    const [key] = await usageForMember(database.db, a);
    assert.equal(key!.usage.l1, { last24h: 5, last30d: 5 }, 'nothing lost, nothing counted twice');
  } finally {
    await deadDb.$pool.end();
  }
});

test('stats: active-set size, and active orchestrators whose keys made requests in the last 24 h', async () => {
  const [recent, old, outside, idle] = [address(), address(), address(), address()];
  await writeActiveSet(database.db, new Set([recent, old, outside, idle]), HOUR_MS);
  const keys = await Promise.all([recent, old, outside, idle].map((a) => createKeyForMember(database, { address: a })));
  const id = (i: number) => {
    const k = keys[i]!;
    if (!k.ok) throw new Error('not eligible');
    return k.key.id;
  };
  await writeActiveSet(database.db, new Set([recent, old, idle]), HOUR_MS); // `outside` left the set
  const now = hourOf(Date.now());
  await new UsageRepo(database.db).record([
    { keyId: id(0), network: 'l2', hour: now, requests: 1 },
    { keyId: id(1), network: 'l2', hour: now - 2 * 24 * HOUR_MS, requests: 9 },
    { keyId: id(2), network: 'l1', hour: now, requests: 3 },
  ]);
  const counts = await readCounts(database.db);
  assert.is(counts.orchestratorsActive, 3);
  assert.is(counts.orchestratorsUsing24h, 1);
  assert.ok(counts.members >= 4 && counts.apiKeysActive >= 4);
});

function closedPort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

test.run();
