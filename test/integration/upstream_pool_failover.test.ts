// The pool in front of real Anvil nodes: who gets the traffic, and how reads survive a dead,
// hung or lagging primary. Each Anvil has its own chain id, so an answer says which node gave it.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { startAnvil, type Anvil } from '../helpers/anvil.ts';
import { fastUpstream, networkConfig, recorder, waitFor } from '../helpers/poolFixture.ts';
import { NodePool } from '../../gateway/src/upstream/pool.ts';
import type { NetworkConfig } from '../../gateway/src/upstream/config.ts';

const A_CHAIN = '0x3e9'; // 1001
const B_CHAIN = '0x3ea'; // 1002

async function setup(over: Partial<NetworkConfig> = {}, upstream = fastUpstream()) {
  const a = await startAnvil({ chainId: 1001 });
  const b = await startAnvil({ chainId: 1002 });
  const rec = recorder();
  const pool = new NodePool(networkConfig([['a', a.url], ['b', b.url]], over), upstream, rec.bus);
  let n = 0;
  const chainId = async () => {
    const requestId = `r${++n}`;
    const out = await pool.call('eth_chainId', [], { requestId });
    return { requestId, value: out.kind === 'result' ? out.value : out.error };
  };
  const done = async (...extra: Anvil[]) => {
    await pool.stop();
    await Promise.all([a, b, ...extra].map((x) => x.kill()));
  };
  return { a, b, rec, pool, chainId, done };
}

test('the primary gets all the traffic while it is healthy', async () => {
  const { rec, pool, chainId, done } = await setup();
  try {
    pool.start();
    for (let i = 0; i < 10; i++) assert.is((await chainId()).value, A_CHAIN);
    const nodes = rec.of('upstream.attempt').map((e) => e.node);
    assert.equal(new Set(nodes), new Set(['a']));
    assert.is(rec.of('upstream.failover').length, 0);
    assert.is(pool.healthyCount(), 2);
  } finally {
    await done();
  }
});

test('with the primary killed every read still succeeds, and once its breaker opens calls skip it', async () => {
  const { a, rec, pool, chainId, done } = await setup({}, fastUpstream({ breakerCooldownMs: 5000, breakerMaxCooldownMs: 10_000 }));
  try {
    pool.start();
    await waitFor(() => pool.status().every((s) => s.head !== undefined), 'first polls');
    await a.kill();
    const ids: string[] = [];
    for (let i = 0; i < 20; i++) {
      const r = await chainId();
      assert.is(r.value, B_CHAIN, `read ${i}`);
      ids.push(r.requestId);
    }
    const failovers = rec.of('upstream.failover');
    // Refused connections; or, on a kept-alive connection the killed node held, a reset (the bytes were written:
    // 'transport', as a send would need to know).
    assert.ok(
      failovers.every((f) => f.from === 'a' && f.to === 'b' && (f.reason === 'connect' || f.reason === 'transport')),
      JSON.stringify(failovers.map((f) => f.reason)),
    );
    await waitFor(() => pool.status()[0]?.breaker === 'open', 'breaker of a to open');
    const later = await chainId();
    assert.equal(rec.attempts(later.requestId).map((e) => e.node), ['b']);
    const health = rec.of('node.health').filter((e) => e.node === 'a');
    const last = health.at(-1)!;
    assert.equal([last.healthy, last.reason], [false, 'breaker_open']);
    assert.match(last.detail ?? '', /^after 2 × connect(?: of head polls)?: connect failed: ECONNREFUSED$/, 'it says which failures opened it');
    assert.is(pool.healthyCount(), 1);
    assert.is(pool.status()[0]?.healthy, false);
  } finally {
    await done();
  }
});

test('with the primary hung reads succeed, waiting on it at most once (hedged, then cancelled), go straight to the secondary, and it returns once resumed', async () => {
  const { a, rec, pool, chainId, done } = await setup();
  try {
    pool.start();
    await waitFor(() => pool.status().every((s) => s.head !== undefined), 'first polls');
    await a.pause();
    const ids: string[] = [];
    for (let i = 0; i < 10; i++) {
      const r = await chainId();
      assert.is(r.value, B_CHAIN, `read ${i}`);
      ids.push(r.requestId);
    }
    const memberTimeouts = ids.flatMap((id) => rec.attempts(id)).filter((e) => e.node === 'a');
    assert.ok(memberTimeouts.length <= 1, `member calls waited on the hung node ${memberTimeouts.length} times`);
    // Hedged to b before its timeout, the attempt on a was cancelled when b answered.
    assert.ok(memberTimeouts.every((e) => e.outcome === 'cancelled' && e.durationMs < 500), JSON.stringify(memberTimeouts));
    assert.ok(rec.of('upstream.hedge').some((e) => e.from === 'a' && e.to === 'b'));
    // the last reads never touched the hung node
    for (const id of ids.slice(-5)) assert.equal(rec.attempts(id).map((e) => e.node), ['b']);
    await waitFor(() => pool.status()[0]?.breaker !== 'closed', 'breaker of a to open');
    a.resume();
    await waitFor(() => pool.status()[0]?.healthy === true, 'a to come back through a probe');
    // Its lost race kept it behind b for a while (it was slow); once that ages out it is first again.
    await waitFor(() => !pool.status()[0]?.slow, 'a no longer counted slow');
    assert.is((await chainId()).value, A_CHAIN);
    const back = rec.of('node.health').filter((e) => e.node === 'a').at(-1);
    assert.equal(back, { type: 'node.health', network: 'l2', node: 'a', healthy: true, reason: 'ok' });
  } finally {
    a.resume();
    await done();
  }
});

test('a primary lagging past the threshold leaves rotation and returns when it catches up', async () => {
  const { a, b, rec, pool, chainId, done } = await setup({ lagThreshold: 10 });
  try {
    pool.start();
    await b.rpc('anvil_mine', ['0x3c']); // 60 blocks ahead on the secondary
    await waitFor(() => pool.status()[0]?.healthy === false, 'a to leave rotation');
    const left = rec.of('node.health').filter((e) => e.node === 'a').at(-1);
    assert.equal(left?.reason, 'lagging');
    assert.is(pool.status()[0]?.lag, 60);
    assert.is((await chainId()).value, B_CHAIN);
    assert.is(pool.head()?.number, 60);
    await a.rpc('anvil_mine', ['0x3c']);
    await waitFor(() => pool.status()[0]?.healthy === true, 'a to return');
    assert.is((await chainId()).value, A_CHAIN);
  } finally {
    await done();
  }
});

test('a node answering null for a block the pool has already seen is behind: the next node answers', async () => {
  const { b, rec, pool, done } = await setup({ lagThreshold: 10 });
  try {
    pool.start();
    await b.rpc('anvil_mine', ['0x5']); // behind by 5: still in rotation
    await waitFor(() => pool.head()?.number === 5, 'pool head 5');
    assert.is(pool.healthyCount(), 2);
    const out = await pool.call('eth_getBlockByNumber', ['0x5', false], { requestId: 'blk' });
    assert.is(out.kind === 'result' && (out.value as { number: string }).number, '0x5');
    assert.equal(
      rec.attempts('blk').map((e) => [e.node, e.outcome]),
      [
        ['a', 'node_state'],
        ['b', 'ok'],
      ],
    );
    // a block above the best head is an honest null, returned from the first node
    const future = await pool.call('eth_getBlockByNumber', ['0x50', false], { requestId: 'future' });
    assert.equal(future, { kind: 'result', raw: 'null', value: null });
    assert.is(rec.attempts('future').length, 1);
  } finally {
    await done();
  }
});

test.run();
