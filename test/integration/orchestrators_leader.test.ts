// One active-set sync per cluster: two gateway processes on one PostgreSQL schema, a static orchestrator list
// and a short sync interval. Only the holder of the advisory lock syncs; SIGKILL it, and the other one takes the
// lock and syncs within one interval. Then the lock itself: held on a connection of its own, freed when it closes.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { AdvisoryLeaderLock } from '../../gateway/src/store/leaderLock.ts';
import { freePort, startGatewayProcess, type GatewayProcess } from '../helpers/gatewayProcess.ts';
import { waitFor } from '../helpers/gateway.ts';
import { testSchema } from '../helpers/schema.ts';

const INTERVAL_MS = 1500;
const schema = testSchema('sync_leader');
const started: GatewayProcess[] = [];

test.after(async () => {
  for (const g of started) g.child.kill('SIGKILL');
  await schema.drop();
});

interface Replica {
  gw: GatewayProcess;
  metricsPort: number;
  /** Times (ms since epoch, as logged) of this process's sync runs. */
  syncs(): number[];
  lines(msg: string): Array<Record<string, unknown>>;
}

async function replica(): Promise<Replica> {
  const metricsPort = await freePort();
  const gw = await startGatewayProcess({
    PATH: process.env.PATH,
    DATABASE_URL: schema.url,
    // Nothing listens there: the sync of a static list needs no node.
    L2_UPSTREAMS: 'l2=http://127.0.0.1:9',
    L1_UPSTREAMS: 'l1=http://127.0.0.1:9',
    METRICS_HOST: '127.0.0.1',
    METRICS_PORT: String(metricsPort),
    ORCHESTRATOR_SOURCE: `static:0x${'a1'.repeat(20)},0x${'b2'.repeat(20)}`,
    ORCHESTRATOR_SYNC_INTERVAL_MS: String(INTERVAL_MS),
  });
  started.push(gw);
  const lines = (msg: string) =>
    gw
      .output()
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .filter((l) => l.msg === msg);
  return { gw, metricsPort, lines, syncs: () => lines('orchestrator sync').map((l) => l.time as number) };
}

async function leaderGauge(r: Replica): Promise<number | undefined> {
  const text = await (await fetch(`http://127.0.0.1:${r.metricsPort}/metrics`)).text();
  const m = /^gateway_orchestrator_sync_leader(?:\{[^}]*\})? (\d+)/m.exec(text);
  return m ? Number(m[1]) : undefined;
}

test('two replicas: only the lock holder syncs; after a SIGKILL of it the other syncs within one interval', async () => {
  await schema.create();
  const a = await replica();
  await waitFor(() => a.syncs().length >= 1, 20_000, () => `a first sync: ${a.gw.output().slice(-1500)}`);
  const b = await replica();
  await waitFor(() => b.lines('orchestrator sync follower').length === 1, 20_000, 'b to stand by');
  assert.equal(b.lines('orchestrator sync follower')[0]?.reason, 'another replica holds the lock');
  assert.is(a.lines('orchestrator sync leader').length, 1);

  // Three intervals: the leader keeps syncing, the follower never does.
  const aBefore = a.syncs().length;
  await new Promise((r) => setTimeout(r, 3 * INTERVAL_MS + 200));
  assert.ok(a.syncs().length >= aBefore + 2, `a synced ${a.syncs().length - aBefore} times in three intervals`);
  assert.is(b.syncs().length, 0, 'the follower read nothing');
  assert.is(await leaderGauge(a), 1);
  assert.is(await leaderGauge(b), 0);

  const killedAt = Date.now();
  a.gw.child.kill('SIGKILL');
  await waitFor(() => b.syncs().length >= 1, 3 * INTERVAL_MS, () => `b to take over: ${b.gw.output().slice(-1500)}`);
  // B asks once per interval; the lock is free as soon as PostgreSQL sees the dead process's connection close,
  // so b takes the lock at its next try: within one interval (plus what a loaded 2-core machine adds).
  assert.is(b.lines('orchestrator sync leader').length, 1);
  const tookMs = (b.lines('orchestrator sync leader')[0]!.time as number) - killedAt;
  assert.ok(tookMs <= INTERVAL_MS + 1500, `b took the lock ${tookMs} ms after the kill (interval ${INTERVAL_MS} ms)`);
  await waitFor(async () => (await leaderGauge(b)) === 1, 10_000, 'b to report itself leader');
  const rows = await schema.admin.one('SELECT count(*)::int AS n FROM $1:name.orchestrators WHERE in_set', [schema.name]);
  assert.is(rows.n, 2);
  assert.is(await b.gw.stop(), 0);
});

test('the lock: one holder per database, held on its own connection, free again when that connection closes', async () => {
  await schema.create();
  const db = (await import('pg-promise')).default({ noWarnings: true })(schema.url);
  const changes: string[] = [];
  const one = new AdvisoryLeaderLock(db, 99_001, { onChange: (c) => changes.push(`one ${c.leader} ${c.reason}`) });
  const two = new AdvisoryLeaderLock(db, 99_001, { onChange: (c) => changes.push(`two ${c.leader} ${c.reason}`) });
  try {
    assert.is(await one.acquire(), true);
    assert.is(await two.acquire(), false);
    assert.is(await one.acquire(), true, 'still held: the same connection answers');
    assert.is(await two.acquire(), false);
    assert.is(db.$pool.totalCount, 0, 'no pooled connection holds the lock');
    // The holder's session dies (as when its process is killed): PostgreSQL frees the lock.
    // (The lock's key is 99001 plus a hash of the schema: its low and high 32 bits are objid and classid.)
    await schema.admin.any(
      `WITH k AS (SELECT 99001::bigint + hashtext($1) AS key)
       SELECT pg_terminate_backend(pid) FROM pg_locks, k WHERE locktype = 'advisory' AND granted
         AND objid::bigint = (k.key & 4294967295) AND classid::bigint = ((k.key >> 32) & 4294967295)`,
      [schema.name],
    );
    await waitFor(() => !one.isLeader(), 5000, 'one to notice its connection is gone');
    assert.is(await two.acquire(), true);
    assert.is(await one.acquire(), false);
    await two.release();
    assert.is(await one.acquire(), true);
    await one.release();
    assert.equal(changes.slice(0, 2), ['one true acquired', 'two false another replica holds the lock']);
    assert.ok(changes.some((c) => c.startsWith('one false connection lost')), changes.join('; '));
    assert.ok(changes.includes('two true acquired') && changes.includes('two false released'));
  } finally {
    await one.release();
    await two.release();
    await db.$pool.end();
  }
});

test.run();
