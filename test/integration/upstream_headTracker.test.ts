// The head tracker against real Anvil nodes: heads, finalized blocks, reorgs, and the events it emits.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { startAnvil } from '../helpers/anvil.ts';
import { startFakeNode } from '../helpers/fakeNode.ts';
import { fastUpstream, networkConfig, recorder, waitFor } from '../helpers/poolFixture.ts';
import { NodePool } from '../../gateway/src/upstream/pool.ts';

test('the pool reports each node head, finalized block and lag, and the best head', async () => {
  // Anvil's finalized block is head - 2 * slotsInAnEpoch.
  const a = await startAnvil({ slotsInAnEpoch: 1 });
  const b = await startAnvil({ slotsInAnEpoch: 1 });
  const rec = recorder();
  const pool = new NodePool(networkConfig([['a', a.url], ['b', b.url]]), fastUpstream(), rec.bus);
  try {
    assert.is(pool.head(), undefined);
    assert.is(pool.healthyCount(), 2, 'optimistic before the first poll');
    pool.start();
    await a.rpc('anvil_mine', ['0xa']);
    await b.rpc('anvil_mine', ['0x7']);
    await waitFor(() => pool.status()[0]?.head === 10 && pool.status()[1]?.head === 7, 'heads 10 and 7');
    const block = await a.rpc<{ hash: string }>('eth_getBlockByNumber', ['0xa', false]);
    assert.equal(pool.head(), { number: 10, hash: block.hash, finalized: 8, safe: 7 }, 'safe: the lowest head in rotation');
    const [sa, sb] = pool.status();
    assert.equal(sa, { name: 'a', healthy: true, head: 10, finalized: 8, lag: 0, breaker: 'closed' });
    assert.equal(sb, { name: 'b', healthy: true, head: 7, finalized: 5, lag: 3, breaker: 'closed' });
    const heads = rec.of('node.head').filter((e) => e.node === 'a');
    assert.equal(heads.at(-1), { type: 'node.head', network: 'l2', node: 'a', head: 10, headHash: block.hash, finalized: 8, lag: 0 });
    // node.head only on change: polls every 100 ms, but no event once the heads stand still. A poll of b that
    // ran before a reached 10 announces b's lag once more, so count from when both last events are final.
    const last = (node: string) => rec.of('node.head').filter((e) => e.node === node).at(-1);
    await waitFor(() => last('a')?.head === 10 && last('a')?.lag === 0 && last('b')?.head === 7 && last('b')?.lag === 3 && last('b')?.finalized === 5, 'final node.head events');
    const count = rec.of('node.head').length;
    await new Promise((r) => setTimeout(r, 500));
    assert.is(rec.of('node.head').length, count);
    // every node announced its starting health once, and nothing changed since
    assert.equal(
      rec.of('node.health').map((e) => [e.node, e.healthy, e.reason]),
      [
        ['a', true, 'ok'],
        ['b', true, 'ok'],
      ],
    );
  } finally {
    await pool.stop();
    await Promise.all([a.kill(), b.kill()]);
  }
});

test('a reorg on a node is seen and announced with the height and both hashes', async () => {
  const a = await startAnvil();
  const rec = recorder();
  const pool = new NodePool(networkConfig([['a', a.url]]), fastUpstream(), rec.bus);
  try {
    pool.start();
    await a.rpc('anvil_mine', ['0x5']);
    await waitFor(() => pool.head()?.number === 5, 'head 5');
    const old4 = await a.rpc<{ hash: string }>('eth_getBlockByNumber', ['0x4', false]);
    const old5 = await a.rpc<{ hash: string }>('eth_getBlockByNumber', ['0x5', false]);
    await a.rpc('anvil_reorg', [2, []]);
    const new4 = await a.rpc<{ hash: string }>('eth_getBlockByNumber', ['0x4', false]);
    const new5 = await a.rpc<{ hash: string }>('eth_getBlockByNumber', ['0x5', false]);
    assert.is.not(new5.hash, old5.hash);
    await waitFor(() => rec.of('chain.reorg').length > 0, 'chain.reorg');
    // the tracker knew block 4 as the parent of 5, so it reports the deepest change it can prove
    assert.equal(rec.of('chain.reorg'), [{ type: 'chain.reorg', network: 'l2', node: 'a', height: 4, oldHash: old4.hash, newHash: new4.hash }]);
    assert.is(pool.head()?.hash, new5.hash);
  } finally {
    await pool.stop();
    await a.kill();
  }
});

test('a head that moves back along the same chain is not a reorg', async () => {
  const a = await startAnvil();
  const fake = await startFakeNode(a.url);
  const rec = recorder();
  const pool = new NodePool(networkConfig([['lb', fake.url]]), fastUpstream(), rec.bus);
  try {
    await a.rpc('anvil_mine', ['0x5']);
    pool.start();
    await waitFor(() => pool.head()?.number === 5, 'head 5');
    // a load balancer answering from a backend two blocks behind, for a few polls
    const block3 = await a.rpc('eth_getBlockByNumber', ['0x3', false]);
    fake.misbehave({ method: 'eth_getBlockByNumber', params: (p) => Array.isArray(p) && p[0] === 'latest', times: 3, act: { kind: 'result', result: block3 } });
    await waitFor(() => pool.head()?.number === 3, 'head back at 3');
    await waitFor(() => pool.head()?.number === 5, 'head 5 again');
    assert.equal(rec.of('chain.reorg'), []);
  } finally {
    await pool.stop();
    await fake.close();
    await a.kill();
  }
});

test('a node that does not know "finalized" is still healthy, with no finalized block', async () => {
  const a = await startAnvil();
  const fake = await startFakeNode(a.url);
  const rec = recorder();
  const pool = new NodePool(networkConfig([['old', fake.url]]), fastUpstream(), rec.bus);
  try {
    fake.misbehave({
      method: 'eth_getBlockByNumber',
      params: (p) => Array.isArray(p) && p[0] === 'finalized',
      act: { kind: 'rpcError', code: -32602, message: 'invalid block tag finalized' },
    });
    pool.start();
    await waitFor(() => pool.head() !== undefined, 'a head');
    await new Promise((r) => setTimeout(r, 400));
    assert.equal(pool.status()[0], { name: 'old', healthy: true, head: 0, lag: 0, breaker: 'closed' });
    assert.is(pool.head()?.finalized, undefined);
    // after one refusal the tracker stops asking for a while
    const finalizedAsks = fake.received.filter((r) => Array.isArray(r.params) && r.params[0] === 'finalized').length;
    assert.is(finalizedAsks, 1);
  } finally {
    await pool.stop();
    await fake.close();
    await a.kill();
  }
});

test('stop() clears the timers and waits for polls in flight: no poll after it returns', async () => {
  const a = await startAnvil();
  const fake = await startFakeNode(a.url);
  const pool = new NodePool(networkConfig([['a', fake.url]]), fastUpstream({ timeoutMs: 5000 }), recorder().bus);
  try {
    pool.start();
    await waitFor(() => fake.received.length >= 2, 'first poll');
    fake.misbehave({ act: { kind: 'hang' } });
    await waitFor(() => fake.received.length >= 4, 'a hung poll');
    await pool.stop(); // must not wait the 5 s timeout of the hung poll: it is cancelled
    const seen = fake.received.length;
    await new Promise((r) => setTimeout(r, 300));
    assert.is(fake.received.length, seen);
  } finally {
    await pool.stop();
    await fake.close();
    await a.kill();
  }
});

test.run();
