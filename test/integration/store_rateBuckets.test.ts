// The sign-in and unknown-key limits are counted in PostgreSQL, so replicas share one budget: two gateway
// processes on one schema, a client alternating between them, allowed N in all (not N per replica). Then the
// buckets themselves: refill by the database's clock, and a database that fails never blocks a request.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import pgPromise from 'pg-promise';
import { generateApiKey } from '../../gateway/src/access/apiKey.ts';
import { PgRateLimiter } from '../../gateway/src/store/rateBuckets.ts';
import { startGatewayProcess, type GatewayProcess } from '../helpers/gatewayProcess.ts';
import { testSchema } from '../helpers/schema.ts';

const schema = testSchema('rate_buckets');
const started: GatewayProcess[] = [];
const pgp = pgPromise({ noWarnings: true });

test.after(async () => {
  await Promise.all(started.map((g) => g.stop()));
  await schema.drop();
});

const CALL = '{"jsonrpc":"2.0","id":1,"method":"eth_chainId","params":[]}';

test('two replicas: sign-in challenges and unknown keys from one client are allowed N times in all', async () => {
  await schema.create();
  const env = {
    PATH: process.env.PATH,
    DATABASE_URL: schema.url,
    L2_UPSTREAMS: 'l2=http://127.0.0.1:9',
    L1_UPSTREAMS: 'l1=http://127.0.0.1:9',
    METRICS_PORT: '0',
    ORCHESTRATOR_SYNC_ENABLED: 'false',
    // One token a minute: nothing refills during the test.
    AUTH_RATE_BURST: '6',
    AUTH_RATE_PER_MINUTE: '1',
    UNKNOWN_KEY_RATE_BURST: '5',
    UNKNOWN_KEY_RATE_PER_MINUTE: '1',
  };
  const a = await startGatewayProcess(env);
  started.push(a);
  const b = await startGatewayProcess(env);
  started.push(b);
  const replicas = [a, b];

  const challenges: number[] = [];
  for (let i = 0; i < 12; i++) {
    const res = await fetch(`${replicas[i % 2]!.base}/auth/challenge`, { method: 'POST', signal: AbortSignal.timeout(10_000) });
    challenges.push(res.status);
    await res.arrayBuffer();
  }
  assert.equal(challenges, [...Array(6).fill(200), ...Array(6).fill(429)], 'AUTH_RATE_BURST=6 across both replicas');

  const unknown: number[] = [];
  for (let i = 0; i < 10; i++) {
    const res = await fetch(`${replicas[i % 2]!.base}/api/${generateApiKey().key}/l2`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: CALL,
      signal: AbortSignal.timeout(10_000),
    });
    unknown.push(res.status);
    await res.arrayBuffer();
  }
  assert.equal(unknown, [...Array(5).fill(401), ...Array(5).fill(429)], 'UNKNOWN_KEY_RATE_BURST=5 across both replicas');
  const rows = await schema.admin.any('SELECT scope, client FROM $1:name.rate_buckets ORDER BY scope', [schema.name]);
  assert.equal(
    rows.map((r: { scope: string }) => r.scope),
    ['auth_challenge', 'auth_challenge_all', 'unknown_key'],
  );
});

test('a bucket refills at its rate by the database clock, and a client is told how long to wait', async () => {
  await schema.create();
  await schema.open().then((d) => d.close()); // migrated
  const db = pgp(schema.url);
  try {
    // 600 a minute = one token every 100 ms, burst 2.
    const limiter = new PgRateLimiter(db, { scope: 'test', perMinute: 600, burst: 2 });
    assert.is(await limiter.wait('c1'), 0, 'a client never seen has a full bucket');
    assert.is(await limiter.take('c1'), 0);
    assert.is(await limiter.take('c1'), 0);
    const waitMs = await limiter.take('c1');
    assert.ok(waitMs > 0 && waitMs <= 100, `wait ${waitMs} ms for the next token`);
    assert.ok((await limiter.wait('c1')) > 0);
    assert.is(await limiter.take('c2'), 0, 'another client has its own bucket');
    await new Promise((r) => setTimeout(r, 150));
    assert.is(await limiter.take('c1'), 0, 'refilled');
  } finally {
    await db.$pool.end();
  }
});

test('a database that refuses or hangs never blocks: the replica counts in memory meanwhile', async () => {
  const errors: string[] = [];
  // Nothing listens on port 9: every query fails at once.
  const down = pgp({ host: '127.0.0.1', port: 9, database: 'x', user: 'x', connectionTimeoutMillis: 1000 });
  try {
    const limiter = new PgRateLimiter(down, { scope: 'test', perMinute: 1, burst: 2, onError: (m) => errors.push(m) });
    assert.equal([await limiter.take('c'), await limiter.take('c')], [0, 0]);
    assert.ok((await limiter.take('c')) > 0, 'the local bucket still limits');
    assert.ok(errors.length >= 3 && errors.every((e) => e.startsWith('rate limit test')), errors.join('; '));
  } finally {
    await down.$pool.end();
  }
});

test.run();
