// A fake node in front of a real Anvil as the primary, a second Anvil as the secondary: each way
// the primary misbehaves on one method, and whether the call moves on or returns the answer as is.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { startAnvil, type Anvil } from '../helpers/anvil.ts';
import { startFakeNode, type FakeNode, type Misbehaviour } from '../helpers/fakeNode.ts';
import { fastUpstream, networkConfig, recorder, type Recorder } from '../helpers/poolFixture.ts';
import { NodePool } from '../../gateway/src/upstream/pool.ts';
import { UpstreamUnavailableError } from '../../gateway/src/rpc/errors.ts';

const B_CHAIN = '0x3ea';

interface Ctx {
  a: Anvil;
  b: Anvil;
  fake: FakeNode;
  rec: Recorder;
  pool: NodePool;
  n: number;
}
const t = suite<Ctx>('misbehaving primary');

t.before(async (ctx) => {
  ctx.a = await startAnvil({ chainId: 1001 });
  ctx.b = await startAnvil({ chainId: 1002 });
  ctx.fake = await startFakeNode(ctx.a.url);
  ctx.n = 0;
});

t.before.each((ctx) => {
  // A fresh pool per test, so no breaker state carries over; no head tracking: calls alone decide.
  ctx.rec = recorder();
  ctx.pool = new NodePool(networkConfig([['fake', ctx.fake.url], ['b', ctx.b.url]]), fastUpstream({ breakerFailures: 5 }), ctx.rec.bus);
  ctx.fake.reset();
});

t.after.each(async (ctx) => {
  await ctx.pool.stop();
});

t.after(async (ctx) => {
  await ctx.fake.close();
  await Promise.all([ctx.a.kill(), ctx.b.kill()]);
});

const FAILOVER_CASES: Array<[string, Misbehaviour, string]> = [
  ['HTTP 500', { kind: 'status', status: 500 }, 'http_5xx'],
  ['HTTP 429', { kind: 'status', status: 429 }, 'http_429'],
  ['a garbage body', { kind: 'garbage' }, 'malformed'],
  ['a reset connection', { kind: 'reset' }, 'transport'],
  ['"header not found"', { kind: 'rpcError', code: -32000, message: 'header not found' }, 'node_state'],
  ['"missing trie node"', { kind: 'rpcError', code: -32000, message: 'missing trie node abc' }, 'node_state'],
  ['-32005 limit exceeded', { kind: 'rpcError', code: -32005, message: 'limit exceeded' }, 'node_state'],
  ['-32601 method not found', { kind: 'rpcError', code: -32601, message: 'the method does not exist' }, 'rpc_error'],
];

for (const [what, act, outcome] of FAILOVER_CASES) {
  t(`a primary answering ${what} fails over: the secondary answers`, async (ctx) => {
    ctx.fake.misbehave({ method: 'eth_chainId', act });
    const out = await ctx.pool.call('eth_chainId', [], { requestId: 'x' });
    assert.equal(out, { kind: 'result', raw: `"${B_CHAIN}"`, value: B_CHAIN });
    assert.equal(
      ctx.rec.attempts('x').map((e) => [e.node, e.outcome]),
      [
        ['fake', outcome],
        ['b', 'ok'],
      ],
    );
    assert.equal(ctx.rec.of('upstream.failover'), [
      { type: 'upstream.failover', requestId: 'x', network: 'l2', method: 'eth_chainId', from: 'fake', to: 'b', reason: outcome },
    ]);
  });
}

t('a method the primary lacks does not count against it; a 500 does', async (ctx) => {
  ctx.fake.misbehave({ method: 'eth_chainId', times: 1, act: { kind: 'rpcError', code: -32601, message: 'no such method' } });
  await ctx.pool.call('eth_chainId', [], { requestId: 'm' });
  assert.is(ctx.rec.attempts('m')[0]?.errorCode, -32601);
  assert.equal(ctx.pool.status()[0]?.lastError, undefined);
  assert.equal(ctx.pool.status()[0]?.recentFailures, undefined);
  ctx.fake.misbehave({ method: 'eth_chainId', times: 1, act: { kind: 'status', status: 503 } });
  await ctx.pool.call('eth_chainId', [], { requestId: 's' });
  assert.is(ctx.rec.attempts('s')[0]?.httpStatus, 503);
  assert.is(ctx.pool.status()[0]?.lastError, 'HTTP 503');
  assert.is(ctx.pool.status()[0]?.recentFailures, 1);
  assert.is(ctx.pool.status()[0]?.healthy, true, 'one failure demotes, it does not remove');
});

const DETERMINISTIC: Array<[string, number, string]> = [
  ['execution reverted', 3, 'execution reverted: not allowed'],
  ['invalid params', -32602, 'invalid argument 0: hex string has odd length'],
  ['nonce too low', -32000, 'nonce too low'],
];

for (const [what, code, message] of DETERMINISTIC) {
  t(`an "${what}" answer is returned as it is, without trying another node`, async (ctx) => {
    ctx.fake.misbehave({ method: 'eth_call', act: { kind: 'rpcError', code, message } });
    const out = await ctx.pool.call('eth_call', [{ to: '0x' + '11'.repeat(20) }, 'latest'], { requestId: 'd' });
    assert.equal(out, { kind: 'error', error: { code, message } });
    assert.equal(
      ctx.rec.attempts('d').map((e) => [e.node, e.outcome, e.errorCode]),
      [['fake', 'rpc_error', code]],
    );
    assert.is(ctx.rec.of('upstream.failover').length, 0);
  });
}

t('when every node gives a node-state error, the last error is the answer', async (ctx) => {
  const fakeB = await startFakeNode(ctx.b.url);
  const pool = new NodePool(networkConfig([['fake', ctx.fake.url], ['fakeB', fakeB.url]]), fastUpstream(), ctx.rec.bus);
  try {
    for (const f of [ctx.fake, fakeB]) f.misbehave({ method: 'eth_call', act: { kind: 'rpcError', code: -32000, message: 'header not found' } });
    const out = await pool.call('eth_call', [{}, '0x99'], { requestId: 'h' });
    assert.equal(out, { kind: 'error', error: { code: -32000, message: 'header not found' } });
    assert.equal(ctx.rec.attempts('h').map((e) => e.node), ['fake', 'fakeB']);
    assert.is(ctx.rec.of('upstream.exhausted').length, 0);
  } finally {
    await pool.stop();
    await fakeB.close();
  }
});

t('when every attempt fails, the call ends in UpstreamUnavailableError after maxAttempts, repeating only brief glitches', async (ctx) => {
  const fakeB = await startFakeNode(ctx.b.url);
  const pool = new NodePool(networkConfig([['fake', ctx.fake.url], ['fakeB', fakeB.url]]), fastUpstream({ maxAttempts: 3, breakerFailures: 10 }), ctx.rec.bus);
  try {
    ctx.fake.misbehave({ method: 'eth_chainId', act: { kind: 'status', status: 502 } });
    fakeB.misbehave({ method: 'eth_chainId', act: { kind: 'status', status: 429 } });
    const err = await pool.call('eth_chainId', [], { requestId: 'all' }).catch((e: unknown) => e);
    assert.instance(err, UpstreamUnavailableError);
    assert.is((err as UpstreamUnavailableError).code, -32002);
    assert.match((err as Error).message, 'after 3 attempts');
    assert.not.match((err as Error).message, '127.0.0.1');
    // 502 may be repeated on the same node; a throttling node is not asked twice
    assert.equal(ctx.rec.attempts('all').map((e) => [e.node, e.outcome]), [
      ['fake', 'http_5xx'],
      ['fakeB', 'http_429'],
      ['fake', 'http_5xx'],
    ]);
    assert.equal(ctx.rec.of('upstream.exhausted'), [
      { type: 'upstream.exhausted', requestId: 'all', network: 'l2', method: 'eth_chainId', attempts: 3, reason: 'all_attempts_failed' },
    ]);
  } finally {
    await pool.stop();
    await fakeB.close();
  }
});

t('eth_getLogs gets its own, longer timeout', async (ctx) => {
  const pool = new NodePool(networkConfig([['fake', ctx.fake.url]]), fastUpstream({ timeoutMs: 200, getLogsTimeoutMs: 1500 }), ctx.rec.bus);
  try {
    ctx.fake.misbehave({ method: 'eth_getLogs', act: { kind: 'hang' } });
    ctx.fake.misbehave({ method: 'eth_getBalance', act: { kind: 'hang' } });
    await pool.call('eth_getBalance', ['0x' + '11'.repeat(20), 'latest'], { requestId: 'bal' }).catch(() => undefined);
    await pool.call('eth_getLogs', [{ fromBlock: '0x0', toBlock: '0x0' }], { requestId: 'logs' }).catch(() => undefined);
    assert.equal(ctx.rec.attempts('bal').map((e) => e.detail), ['timeout after 200 ms']);
    assert.equal(ctx.rec.attempts('logs').map((e) => e.detail), ['timeout after 1500 ms']);
  } finally {
    await pool.stop();
  }
});

t.run();
