// When no node is in rotation, a call still tries the nodes as a last resort, the most recently answering first;
// nodes that refuse connections cost milliseconds, so the member learns "every attempt failed" in well under a second.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { startAnvil, type Anvil } from '../helpers/anvil.ts';
import { fastUpstream, networkConfig, recorder, waitFor } from '../helpers/poolFixture.ts';
import { NodePool } from '../../gateway/src/upstream/pool.ts';
import { UpstreamUnavailableError } from '../../gateway/src/rpc/errors.ts';

async function deadPool(upstream = fastUpstream()) {
  const a = await startAnvil();
  const b = await startAnvil();
  const rec = recorder();
  const pool = new NodePool(networkConfig([['a', a.url], ['b', b.url]]), upstream, rec.bus);
  await Promise.all([a.kill(), b.kill()]);
  return { rec, pool, a, b };
}

const fail = (pool: NodePool, requestId: string) => pool.call('eth_blockNumber', [], { requestId }).catch((e: unknown) => e);

test('with every node dead and every breaker open, each call still tries each node once, and fails with -32002 in under a second', async () => {
  const { rec, pool } = await deadPool(fastUpstream({ breakerCooldownMs: 10_000, breakerMaxCooldownMs: 20_000 }));
  try {
    pool.start();
    await waitFor(() => pool.status().every((s) => s.breaker === 'open'), 'both breakers to open');
    assert.is(pool.healthyCount(), 0);
    assert.is(pool.head(), undefined);
    for (let i = 0; i < 5; i++) {
      const started = performance.now();
      const err = await fail(pool, `q${i}`);
      assert.ok(performance.now() - started < 1000, 'refused connections cost milliseconds');
      assert.instance(err, UpstreamUnavailableError);
      assert.is((err as UpstreamUnavailableError).toJsonRpc().code, -32002);
      assert.match((err as Error).message, 'No l2 node could answer eth_blockNumber after 2 attempts (last: connect)');
      assert.equal(rec.attempts(`q${i}`).map((e) => [e.node, e.outcome, e.lastResort]).sort(), [['a', 'connect', true], ['b', 'connect', true]]);
    }
    const exhausted = rec.of('upstream.exhausted');
    assert.is(exhausted.length, 5);
    assert.ok(exhausted.every((e) => e.reason === 'all_attempts_failed' && e.attempts === 2));
    for (const s of pool.status()) assert.match(s.lastError ?? '', /^connect failed/);
  } finally {
    await pool.stop();
  }
});

test('member calls alone open the breakers; a node that answers again serves the next call as a last resort and rejoins rotation', async () => {
  // No head tracking here: only member calls touch the nodes.
  const { rec, pool, a } = await deadPool(fastUpstream({ breakerFailures: 2, breakerCooldownMs: 10_000, breakerMaxCooldownMs: 20_000 }));
  let revived: Anvil | undefined;
  try {
    await fail(pool, 'c1');
    await fail(pool, 'c2');
    assert.equal(rec.attempts('c1').map((e) => e.outcome), ['connect', 'connect']);
    assert.is(rec.attempts('c2').length, 2);
    assert.ok(pool.status().every((s) => s.breaker === 'open'));
    await a.restart();
    revived = a;
    const value = await pool.call('eth_blockNumber', [], { requestId: 'c3' });
    assert.is(value.kind, 'result', 'answered although every breaker was open');
    assert.equal(rec.attempts('c3').map((e) => [e.node, e.outcome, e.lastResort]), [['a', 'ok', true]]);
    assert.is(pool.status()[0]?.breaker, 'closed', 'the member call that succeeded closed its breaker');
    await pool.call('eth_blockNumber', [], { requestId: 'c4' });
    assert.equal(rec.attempts('c4').map((e) => [e.node, e.lastResort]), [['a', undefined]], 'back in rotation');
  } finally {
    await pool.stop();
    await revived?.kill();
  }
});

test.run();
