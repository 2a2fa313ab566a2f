// openDatabase on the real PostgreSQL: a connection the server kills is reported and replaced,
// never an uncaught error; ping says whether the database answers.
import pgPromise from 'pg-promise';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { EventBus, type EventOf } from '../../gateway/src/events.ts';
import { openDatabase, safeLocation } from '../../gateway/src/store/db.ts';
import { StoreError } from '../../gateway/src/store/errors.ts';

const URL_ = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const pgp = pgPromise({ noWarnings: true });
const admin = pgp(URL_);
const uncaught: unknown[] = [];
process.on('uncaughtException', (err) => uncaught.push(err));
process.on('unhandledRejection', (err) => uncaught.push(err));

test.after(() => admin.$pool.end());

test('a pooled connection killed by the server is reported as store.error and the next query gets a new one', async () => {
  const bus = new EventBus();
  const errors: Array<EventOf<'store.error'>> = [];
  bus.on('store.error', (e) => errors.push(e));
  const database = await openDatabase({ databaseUrl: URL_, dataDir: '/nonexistent' }, { bus });
  try {
    const pid = await database.db.one('SELECT pg_backend_pid() AS pid', [], (r: { pid: number }) => r.pid);
    await admin.one('SELECT pg_terminate_backend($1) AS ok', [pid]);
    const deadline = Date.now() + 10_000;
    while (errors.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    assert.ok(errors.length >= 1, 'the lost connection was reported');
    assert.is(errors[0]!.operation, 'connection');
    const again = await database.db.one('SELECT pg_backend_pid() AS pid', [], (r: { pid: number }) => r.pid);
    assert.is.not(again, pid);
    assert.ok(await database.ping());
  } finally {
    await database.close();
  }
  assert.not.ok(await database.ping(), 'a closed database does not answer');
  assert.equal(uncaught, []);
});

test('opening with migrations on an unreachable server fails with a StoreError naming where, without the password', async () => {
  try {
    await openDatabase({ databaseUrl: 'postgres://gw:s3cret@127.0.0.1:1/nothing', dataDir: '/nonexistent' }, { migrate: true });
    assert.unreachable('opened');
  } catch (err) {
    assert.instance(err, StoreError);
    const message = (err as Error).message;
    assert.match(message, /127\.0\.0\.1:1\/nothing/);
    assert.not.ok(message.includes('s3cret'));
  }
  assert.is(safeLocation('postgres://u:p@db.internal:6543/gw?sslmode=require'), 'db.internal:6543/gw');
  assert.equal(uncaught, []);
});

test.run();
