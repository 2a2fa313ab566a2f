// Sign-in nonces and portal sessions in the real PostgreSQL (a schema of this file's own): single use even
// under concurrent redeemers, expiry, the reasons a redemption fails, and clean-up of expired rows.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ChallengeRejectedError, issueChallenge, redeemChallenge } from '../../gateway/src/signin/challenge.ts';
import type { Database } from '../../gateway/src/store/db.ts';
import { PgNonceStore } from '../../gateway/src/store/nonces.ts';
import { SessionRepo } from '../../gateway/src/store/sessions.ts';
import { testSchema } from '../helpers/schema.ts';

const schema = testSchema('test_signin_stores');

let database: Database;
const DOMAIN = 'rpc.example.org';
const hex = (n: number) => n.toString(16).padStart(32, '0');
const count = async (table: string) => Number((await database.db.one('SELECT count(*) AS n FROM $1:name', [table])).n);

test.before(async () => {
  database = await schema.open();
});

test.after(async () => {
  await database.close();
  await schema.drop();
});

test('an issued nonce is redeemed once; then it is used, and one never issued is unknown', async () => {
  const store = new PgNonceStore(database.db);
  await store.issue(hex(1), new Date(Date.now() + 60_000));
  assert.is(await store.consume(hex(1)), 'ok');
  assert.is(await store.consume(hex(1)), 'used');
  assert.is(await store.consume(hex(2)), 'unknown');
});

test('of many concurrent redeemers of one nonce, exactly one succeeds', async () => {
  const store = new PgNonceStore(database.db);
  await store.issue(hex(3), new Date(Date.now() + 60_000));
  const states = await Promise.all(Array.from({ length: 8 }, () => store.consume(hex(3))));
  assert.is(states.filter((s) => s === 'ok').length, 1);
  assert.is(states.filter((s) => s === 'used').length, 7);
});

test('a nonce past its expiry is refused as expired, and a second store (another replica) agrees', async () => {
  const store = new PgNonceStore(database.db);
  const expiresAt = new Date(Date.now() + 60_000);
  await store.issue(hex(4), expiresAt);
  assert.is(await store.consume(hex(4), new Date(expiresAt.getTime() + 1)), 'expired');
  assert.is(await new PgNonceStore(database.db).consume(hex(4)), 'ok', 'still unused before its expiry');
});

test('a challenge issued through one store is redeemed through another exactly once', async () => {
  const a = new PgNonceStore(database.db);
  const b = new PgNonceStore(database.db);
  const c = await issueChallenge(a, DOMAIN);
  assert.is((await redeemChallenge(c.message, { domain: DOMAIN, store: b })).nonce, c.nonce);
  try {
    await redeemChallenge(c.message, { domain: DOMAIN, store: a });
    assert.unreachable('replay accepted');
  } catch (err) {
    assert.instance(err, ChallengeRejectedError);
    assert.is((err as ChallengeRejectedError).problem, 'used');
  }
});

test('issuing sweeps expired nonces at most once per interval, in the background', async () => {
  let now = Date.now();
  const store = new PgNonceStore(database.db, { sweepIntervalMs: 60_000, now: () => now });
  await database.db.none('DELETE FROM signin_nonces');
  await store.issue(hex(10), new Date(now + 1000));
  await store.settled();
  now += 2000; // hex(10) has expired
  await store.issue(hex(11), new Date(now + 1000));
  await store.settled();
  assert.is(await count('signin_nonces'), 2, 'the interval had not passed: nothing swept');
  now += 60_000;
  await store.issue(hex(12), new Date(now + 1000));
  await store.settled();
  assert.equal(await database.db.map('SELECT nonce FROM signin_nonces ORDER BY nonce', [], (r: { nonce: string }) => r.nonce), [hex(12)]);
});

test('the database refuses a nonce that is not 32 hex digits', async () => {
  const store = new PgNonceStore(database.db);
  for (const bad of ["'; DROP TABLE signin_nonces; --", 'A'.repeat(32), '']) {
    try {
      await store.issue(bad, new Date(Date.now() + 1000));
      assert.unreachable(`accepted ${bad}`);
    } catch (err) {
      assert.is((err as { code?: string }).code, '23514', 'check constraint violation');
    }
  }
});

test('a session is found by its token hash until it expires, and not after it is deleted', async () => {
  const repo = new SessionRepo(database.db);
  const hash = 'a'.repeat(64);
  const address = `0x${'1'.repeat(40)}`;
  const expiresAt = new Date(Date.now() + 60_000);
  await repo.create(hash, address, expiresAt);
  const found = await repo.find(hash);
  assert.is(found?.memberAddress, address);
  assert.is(found?.expiresAt.getTime(), expiresAt.getTime());
  assert.is(await repo.find(hash, new Date(expiresAt.getTime() + 1)), null, 'expired');
  assert.is(await repo.find('b'.repeat(64)), null);
  await repo.delete(hash);
  assert.is(await repo.find(hash), null);
});

test('expired sessions are swept when a new one is created, after the interval', async () => {
  let now = Date.now();
  const repo = new SessionRepo(database.db, { sweepIntervalMs: 1000, now: () => now });
  await database.db.none('DELETE FROM member_sessions');
  const address = `0x${'2'.repeat(40)}`;
  await repo.create('c'.repeat(64), address, new Date(now + 500));
  await repo.settled();
  now += 2000;
  await repo.create('d'.repeat(64), address, new Date(now + 60_000));
  await repo.settled();
  assert.equal(await database.db.map('SELECT token_hash FROM member_sessions', [], (r: { token_hash: string }) => r.token_hash), ['d'.repeat(64)]);
});

test.run();
