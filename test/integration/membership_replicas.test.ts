// Revocations reach every replica within a second through PostgreSQL LISTEN/NOTIFY: the listener evicting a
// resolver's cache, its reconnect after a lost connection, and two gateway processes sharing one database.
import pgPromise from 'pg-promise';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ApiKeyRepo } from '../../gateway/src/store/apiKeys.ts';
import { KeyResolver } from '../../gateway/src/access/keyResolver.ts';
import { createMemberKey, revokeKey } from '../../gateway/src/membership/keys.ts';
import { revokeMembership } from '../../gateway/src/membership/membership.ts';
import { EventBus } from '../../gateway/src/events.ts';
import type { Database } from '../../gateway/src/store/db.ts';
import { KeyChangeListener, notifyKeysChanged, type KeyChange } from '../../gateway/src/store/keyChanges.ts';
import { startAnvil, type Anvil } from '../helpers/anvil.ts';
import { waitFor } from '../helpers/gateway.ts';
import { startGatewayProcess, type GatewayProcess } from '../helpers/gatewayProcess.ts';
import { runAdmin, type AdminRun } from '../helpers/admin.ts';
import { testSchema } from '../helpers/schema.ts';

const schema = testSchema('test_membership_replicas');
const DB_URL = schema.url;
const pgp = pgPromise({ noWarnings: true });
let database: Database;
let n = 0;
const address = () => `0x${(++n).toString(16).padStart(6, '0')}${'7e'.repeat(17)}`;

test.before(async () => {
  database = await schema.open();
});

test.after(async () => {
  await database.close();
  await schema.drop();
});

test('an announcement evicts cached keys at once, by key id or member address; a lost listener reconnects and forgets everything', async () => {
  // Its own connection name, so this test can cut exactly its listener's connection.
  const appName = `key-listener-test-${process.pid}`;
  const listenDb = pgp({ connectionString: DB_URL, application_name: appName });
  const resolver = new KeyResolver(new ApiKeyRepo(database.db), { keyCacheTtlMs: 60_000, keyCacheMax: 100 }, new EventBus());
  const changes: KeyChange[] = [];
  const listener = new KeyChangeListener(listenDb, (c) => {
    changes.push(c);
    resolver.evict(c);
  }, { retryMs: 50 });
  try {
    await listener.start();
    assert.ok(listener.listening());
    const [x, y] = [address(), address()];
    const k1 = await createMemberKey(database, { address: x });
    const k2 = await createMemberKey(database, { address: y });
    assert.ok((await resolver.resolve(k1.key)).ok);
    assert.ok((await resolver.resolve(k2.key)).ok);

    await revokeKey(database, k1.id);
    assert.ok((await resolver.resolve(k1.key)).ok, 'unannounced, the cached answer stands (TTL 60 s)');
    await notifyKeysChanged(database.db, { keyIds: [k1.id] });
    await waitFor(async () => !(await resolver.resolve(k1.key)).ok, 1000, 'the revoked key refused');
    assert.equal(await resolver.resolve(k1.key), { ok: false, reason: 'revoked_key' });

    await revokeMembership(database, y); // announces the member's address itself
    await waitFor(async () => !(await resolver.resolve(k2.key)).ok, 1000, "the member's key refused");
    assert.equal(await resolver.resolve(k2.key), { ok: false, reason: 'inactive_member' });

    changes.length = 0;
    const cut = await schema.admin.any('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1', [appName]);
    assert.is(cut.length, 1, 'one listening connection');
    await waitFor(() => listener.listening() && changes.some((c) => c.all === true), 10_000, 'reconnected, forgetting everything');
    await notifyKeysChanged(database.db, { address: x });
    await waitFor(() => changes.some((c) => c.addresses?.includes(x) === true), 2000, 'announcements heard again');
  } finally {
    await listener.stop();
    await resolver.stop();
    await listenDb.$pool.end();
  }
});

type Replica = GatewayProcess;

function startReplica(anvil: Anvil, source: string): Promise<Replica> {
  return startGatewayProcess({
    PATH: process.env.PATH,
    METRICS_HOST: '127.0.0.1',
    METRICS_PORT: '0',
    DATABASE_URL: DB_URL,
    L2_UPSTREAMS: `l2=${anvil.url}`,
    L1_UPSTREAMS: '',
    ORCHESTRATOR_SOURCE: source,
    KEY_CACHE_TTL_MS: '600000', // only an announcement can make a replica forget a key in time
    LOG_LEVEL: 'warn',
  });
}

async function status(r: Replica, key: string): Promise<number> {
  const res = await fetch(`${r.base}/api/${key}/l2`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: '{"jsonrpc":"2.0","id":1,"method":"eth_chainId","params":[]}',
    signal: AbortSignal.timeout(5000),
  });
  await res.arrayBuffer();
  return res.status;
}

function adminCli(...args: string[]): Promise<AdminRun> {
  return runAdmin({ ...process.env, DATABASE_URL: DB_URL }, ...args);
}

/** Polls every replica until each answers `expected`; returns how long after `since` the last one did. */
async function allAnswer(replicas: Replica[], key: string, expected: number, since: number): Promise<number> {
  await Promise.all(replicas.map((r) => waitFor(async () => (await status(r, key)) === expected, 5000, `${r.base} to answer ${expected}`)));
  return Date.now() - since;
}

test('two gateway processes on one database: an admin revocation (of a key, then of a grant) reaches both within a second', async () => {
  const anvil = await startAnvil({ chainId: 42161 });
  const replicas: Replica[] = [];
  try {
    const granted = address();
    const k1 = await createMemberKey(database, { address: granted, label: 'revoked by id' });
    const k2 = await createMemberKey(database, { address: granted, label: 'stopped by grant revoke' });
    const inSet = address(); // the set the replicas sync holds someone else
    replicas.push(...(await Promise.all([startReplica(anvil, `static:${inSet}`), startReplica(anvil, `static:${inSet}`)])));
    for (const r of replicas) {
      assert.is(await status(r, k1.key), 200, 'cached as valid on each replica');
      assert.is(await status(r, k2.key), 200);
    }

    const revoke = await adminCli('key', 'revoke', k1.id);
    assert.is(revoke.code, 0, revoke.stderr);
    const keyMs = await allAnswer(replicas, k1.key, 401, Date.now());
    assert.ok(keyMs <= 1000, `key revocation seen by both replicas after ${keyMs} ms`);
    for (const r of replicas) assert.is(await status(r, k2.key), 200, 'the other key still works');

    const revokeGrant = await adminCli('member', 'revoke', '--address', granted);
    assert.is(revokeGrant.code, 0, revokeGrant.stderr);
    const memberMs = await allAnswer(replicas, k2.key, 403, Date.now());
    assert.ok(memberMs <= 1000, `grant revocation seen by both replicas after ${memberMs} ms`);
    for (const r of replicas) assert.not.ok(r.output().includes(k1.key) || r.output().includes(k2.key), 'no key in the logs');
  } finally {
    await Promise.all(replicas.map((r) => r.stop()));
    await anvil.kill();
  }
});

test.run();
