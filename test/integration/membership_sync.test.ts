// The active set in PostgreSQL and the members that follow it: joining, leaving (grace), grace over
// (keys refused as inactive), coming back; operator grants beside it; who may sign in and get a key.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { activeSetSink } from '../../gateway/src/membership/activeSet.ts';
import { createOrchestratorSync } from '../../gateway/src/orchestrators/create.ts';
import { ApiKeyRepo } from '../../gateway/src/store/apiKeys.ts';
import { KeyResolver } from '../../gateway/src/access/keyResolver.ts';
import { loadMembershipConfig } from '../../gateway/src/membership/config.ts';
import { createMemberKey } from '../../gateway/src/membership/keys.ts';
import { createKeyForMember, memberForSignIn, revokeMembership } from '../../gateway/src/membership/membership.ts';
import { EventBus, type EventOf } from '../../gateway/src/events.ts';
import type { KeyChange } from '../../gateway/src/store/keyChanges.ts';
import type { Database } from '../../gateway/src/store/db.ts';
import { writeActiveSet } from '../../gateway/src/store/orchestrators.ts';
import { startFakeSubgraph } from './orchestrators_fakeSubgraph.ts';
import { testSchema } from '../helpers/schema.ts';

const schema = testSchema('test_membership_sync');

let database: Database;
const HOUR = 3_600_000;

test.before(async () => {
  database = await schema.open();
});

test.after(async () => {
  await database.close();
  await schema.drop();
});

let n = 0;
const address = () => `0x${(++n).toString(16).padStart(6, '0')}${'5e'.repeat(17)}`;

/** The key check as a request would see it now: a resolver without a cache in the way. */
async function check(key: string) {
  const resolver = new KeyResolver(new ApiKeyRepo(database.db), { keyCacheTtlMs: 0, keyCacheMax: 10 }, new EventBus());
  return resolver.resolve(key);
}

const orchestrator = (a: string) =>
  database.db.one<{ in_set: boolean; first: Date; last: Date; left_at: Date | null; grace_until: Date | null }>(
    'SELECT in_set, first_seen_at AS first, last_seen_at AS last, left_at, grace_until FROM orchestrators WHERE address = $1',
    [a],
  );

/** Move the grace period of an address that left into the past, as if the time had passed. */
async function expireGrace(a: string) {
  await database.db.none(`UPDATE orchestrators SET grace_until = now() - interval '1 second' WHERE address = $1`, [a]);
  await database.db.none(`UPDATE members SET active_until = now() - interval '1 second' WHERE address = $1`, [a]);
}

test('before any sync nobody is admitted from the set, and the refusal says the set is not loaded yet', async () => {
  const a = address();
  const e = await memberForSignIn(database, a);
  assert.equal(e, { eligible: false, address: a, reason: 'set_not_synced', leftAt: null });
  assert.is(await database.db.oneOrNone('SELECT 1 FROM members WHERE address = $1', [a]), null, 'no member row for a refusal');
});

test('a set write records who joined and who left; the one that left keeps its first and last seen times', async () => {
  const [a, b, c] = [address(), address(), address()];
  const first = await writeActiveSet(database.db, new Set([a, b.toUpperCase().replace('0X', '0x')]), 24 * HOUR);
  assert.equal(first.joined, [a, b].sort());
  assert.equal(first.left.filter((x) => x === a || x === b), []);
  const before = await orchestrator(b);
  assert.ok(before.in_set);

  const second = await writeActiveSet(database.db, new Set([a, c]), 24 * HOUR);
  assert.equal(second.joined, [c]);
  assert.equal(second.left, [b]);
  const after = await orchestrator(b);
  assert.is(after.in_set, false);
  assert.equal(after.last, before.last, 'last_seen_at is when it was last in the set');
  assert.equal(after.first, before.first);
  assert.ok(after.grace_until!.getTime() - after.left_at!.getTime() === 24 * HOUR, 'grace runs from when it left');
  const aRow = await orchestrator(a);
  assert.ok(aRow.last.getTime() > before.last.getTime(), 'an address still in the set is seen again');
});

test('an orchestrator member follows the set: in it, then in grace, then refused as inactive, then back', async () => {
  const [a, other] = [address(), address()];
  await writeActiveSet(database.db, new Set([a, other]), 24 * HOUR);
  const created = await createKeyForMember(database, { address: a, label: 'node' });
  assert.ok(created.ok, 'an address in the set gets a key');
  if (!created.ok) return;
  assert.is(created.eligibility.basis, 'active_set');
  const member = await database.db.one('SELECT source, active_until FROM members WHERE address = $1', [a]);
  assert.equal(member, { source: 'orchestrator', active_until: null });
  assert.ok((await check(created.key.key)).ok);

  const left = await writeActiveSet(database.db, new Set([other]), 24 * HOUR);
  assert.ok(left.left.includes(a));
  const inGrace = await database.db.one<{ active_until: Date }>('SELECT active_until FROM members WHERE address = $1', [a]);
  assert.ok(inGrace.active_until.getTime() > Date.now() + 23 * HOUR, 'active until the end of the grace period');
  assert.ok((await check(created.key.key)).ok, 'keys work during the grace period');
  assert.is((await memberForSignIn(database, a)).eligible, true, 'may still sign in during grace');

  await expireGrace(a);
  assert.equal(await check(created.key.key), { ok: false, reason: 'inactive_member' });
  await writeActiveSet(database.db, new Set([other]), 24 * HOUR);
  assert.equal(await check(created.key.key), { ok: false, reason: 'inactive_member' }, 'a later write does not revive it');
  const refused = await memberForSignIn(database, a);
  assert.is(refused.eligible, false);
  if (!refused.eligible) {
    assert.is(refused.reason, 'left_active_set');
    assert.ok(refused.leftAt instanceof Date);
  }
  const noKey = await createKeyForMember(database, { address: a });
  assert.equal(noKey.ok ? 'created' : noKey.problem, 'not_eligible');

  const back = await writeActiveSet(database.db, new Set([a, other]), 24 * HOUR);
  assert.equal(back.reactivated, [a], 'reported, so caches can forget the refusal');
  assert.ok(back.joined.includes(a));
  assert.ok((await check(created.key.key)).ok, 'works again as soon as the address is back');
  assert.equal(await database.db.one('SELECT active_until FROM members WHERE address = $1', [a]), { active_until: null });
});

test('a zero grace period ends membership with the write that finds the address gone', async () => {
  const [a, other] = [address(), address()];
  await writeActiveSet(database.db, new Set([a, other]), 0);
  const created = await createKeyForMember(database, { address: a });
  assert.ok(created.ok);
  if (!created.ok) return;
  await writeActiveSet(database.db, new Set([other]), 0);
  assert.equal(await check(created.key.key), { ok: false, reason: 'inactive_member' });
});

test('operator grants bypass the set; revoking the grant leaves what the set says', async () => {
  const [granted, inSet, other] = [address(), address(), address()];
  const { key } = await createMemberKey(database, { address: granted, label: 'broadcaster' });
  await writeActiveSet(database.db, new Set([other]), 24 * HOUR);
  assert.ok((await check(key)).ok, 'granted, never in the set: works');
  assert.equal(await memberForSignIn(database, granted), { eligible: true, address: granted, basis: 'operator', activeUntil: null });

  const revoked = await revokeMembership(database, granted);
  assert.is(revoked.outcome, 'revoked');
  assert.equal(await check(key), { ok: false, reason: 'inactive_member' }, 'no grant, not in the set: refused at once');
  assert.is((await revokeMembership(database, granted)).outcome, 'no_grant');
  assert.is((await revokeMembership(database, address())).outcome, 'not_a_member');

  // Granted while in the set: revoking the grant keeps it working as an orchestrator, and it then follows the set.
  await writeActiveSet(database.db, new Set([inSet, other]), 24 * HOUR);
  const both = await createMemberKey(database, { address: inSet, label: 'own node' });
  await revokeMembership(database, inSet);
  assert.ok((await check(both.key)).ok, 'still an active orchestrator');
  await writeActiveSet(database.db, new Set([other]), 0);
  assert.equal(await check(both.key), { ok: false, reason: 'inactive_member' });
});

test('sign-in admits the set and its grace period, creates the member row, and refuses an unknown address', async () => {
  const [a, b, stranger] = [address(), address(), address()];
  await writeActiveSet(database.db, new Set([a, b]), 24 * HOUR);
  await writeActiveSet(database.db, new Set([a]), 24 * HOUR); // b left: in grace
  const ea = await memberForSignIn(database, a);
  assert.equal(ea, { eligible: true, address: a, basis: 'active_set', activeUntil: null });
  const eb = await memberForSignIn(database, b.toUpperCase().replace('0X', '0x'));
  assert.ok(eb.eligible && eb.basis === 'grace' && eb.activeUntil!.getTime() > Date.now());
  const rows = await database.db.map('SELECT address FROM members WHERE address IN ($1:csv) ORDER BY address', [[a, b]], (r: { address: string }) => r.address);
  assert.equal(rows, [a, b].sort());
  assert.equal(await memberForSignIn(database, stranger), { eligible: false, address: stranger, reason: 'not_in_active_set', leftAt: null });
});

test('a member may hold a bounded number of active keys', async () => {
  const a = address();
  await writeActiveSet(database.db, new Set([a]), HOUR);
  assert.ok((await createKeyForMember(database, { address: a, maxActiveKeys: 2 })).ok);
  assert.ok((await createKeyForMember(database, { address: a, maxActiveKeys: 2 })).ok);
  const third = await createKeyForMember(database, { address: a, maxActiveKeys: 2 });
  assert.equal(third.ok ? 'created' : third, { ok: false, problem: 'too_many_keys', activeKeys: 2, limit: 2 });
});

test('the sync wired to the database: a failed read keeps the set in force, the next good one applies and announces who left', async () => {
  const [a, b] = [address(), address()];
  const subgraph = await startFakeSubgraph([a, b]);
  const bus = new EventBus();
  const syncs: Array<EventOf<'orchestrators.sync'>> = [];
  bus.on('orchestrators.sync', (e) => syncs.push(e));
  const announced: KeyChange[] = [];
  const config = loadMembershipConfig({ SUBGRAPH_URL: subgraph.url, ORCHESTRATOR_GRACE_MS: '60000', ORCHESTRATOR_SYNC_RETRY_MS: '100' });
  const sink = activeSetSink({ db: database.db, graceMs: config.graceMs, announce: async (c) => void announced.push(c) });
  const sync = createOrchestratorSync(config.orchestrators, { sink, bus });
  const inSet = () => database.db.map('SELECT address FROM orchestrators WHERE in_set ORDER BY address', [], (r: { address: string }) => r.address);
  try {
    assert.is((await sync.syncNow()).outcome, 'ok');
    assert.equal(await inSet(), [a, b]);

    subgraph.mode = 'http_500';
    const failed = await sync.syncNow();
    assert.is(failed.outcome, 'failed');
    assert.is(syncs.at(-1)?.outcome, 'failed');
    assert.equal(await inSet(), [a, b], 'the database keeps the last good set');

    subgraph.mode = 'ok';
    subgraph.active = [a];
    assert.is((await sync.syncNow()).outcome, 'ok');
    assert.equal(await inSet(), [a]);
    assert.equal(announced.at(-1), { addresses: [b] }, 'members of the address that left are announced');
  } finally {
    await sync.stop();
    await subgraph.close();
  }
});

test.run();
