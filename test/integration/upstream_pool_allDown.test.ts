// When no node can answer, the member learns it at once: no attempt is spent on nodes known dead.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { startAnvil } from '../helpers/anvil.ts';
import { fastUpstream, networkConfig, recorder, waitFor } from '../helpers/poolFixture.ts';
import { NodePool } from '../../gateway/src/upstream/pool.ts';
import { UpstreamUnavailableError } from '../../gateway/src/rpc/errors.ts';

async function deadPool(upstream = fastUpstream()) {
  const a = await startAnvil();
  const b = await startAnvil();
  const rec = recorder();
  const pool = new NodePool(networkConfig([['a', a.url], ['b', b.url]]), upstream, rec.bus);
  await Promise.all([a.kill(), b.kill()]);
  return { rec, pool };
}

const fail = (pool: NodePool, requestId: string) => pool.call('eth_blockNumber', [], { requestId }).catch((e: unknown) => e);

test('with every node dead and every breaker open, calls fail with -32002 without a single attempt', async () => {
  const { rec, pool } = await deadPool(fastUpstream({ breakerCooldownMs: 10_000, breakerMaxCooldownMs: 20_000 }));
  try {
    pool.start();
    await waitFor(() => pool.status().every((s) => s.breaker === 'open'), 'both breakers to open');
    assert.is(pool.healthyCount(), 0);
    assert.is(pool.head(), undefined);
    for (let i = 0; i < 5; i++) {
      const err = await fail(pool, `q${i}`);
      assert.instance(err, UpstreamUnavailableError);
      assert.is((err as UpstreamUnavailableError).toJsonRpc().code, -32002);
      assert.match((err as Error).message, 'No l2 node is available');
      assert.is(rec.attempts(`q${i}`).length, 0);
    }
    const exhausted = rec.of('upstream.exhausted');
    assert.is(exhausted.length, 5);
    assert.ok(exhausted.every((e) => e.reason === 'no_healthy_node' && e.attempts === 0));
    for (const s of pool.status()) assert.match(s.lastError ?? '', /^connect failed/);
  } finally {
    await pool.stop();
  }
});

test('member calls alone open the breakers, then a half-open node gets one trial per cooldown', async () => {
  // No head tracking here: only member calls touch the nodes.
  const { rec, pool } = await deadPool(fastUpstream({ breakerFailures: 2, breakerCooldownMs: 300, breakerMaxCooldownMs: 5000 }));
  try {
    await fail(pool, 'c1');
    await fail(pool, 'c2');
    assert.equal(rec.attempts('c1').map((e) => e.outcome), ['connect', 'connect']);
    assert.is(rec.attempts('c2').length, 2);
    assert.ok(pool.status().every((s) => s.breaker === 'open'));
    await fail(pool, 'c3');
    assert.is(rec.attempts('c3').length, 0);
    await waitFor(() => pool.status().every((s) => s.breaker === 'half_open'), 'cooldown to end', 5000);
    await fail(pool, 'c4');
    assert.equal(rec.attempts('c4').map((e) => e.node), ['a', 'b']); // one trial each
    assert.ok(pool.status().every((s) => s.breaker === 'open'), 'failed trials re-open the breakers');
    await fail(pool, 'c5');
    assert.is(rec.attempts('c5').length, 0);
  } finally {
    await pool.stop();
  }
});

test.run();
