// One call across a pool's nodes (upstream/call.ts) against fake fronts of one real Anvil: what a hedge race
// leaves behind (no trial held, no misleading latency), whose answer wins it, its place within MAX_ATTEMPTS, and
// the time a lone node out of rotation gets.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { systemClock } from '../../gateway/src/common/clock.ts';
import { EventBus } from '../../gateway/src/events.ts';
import type { UpstreamConfig } from '../../gateway/src/upstream/config.ts';
import { callPool, type CallContext } from '../../gateway/src/upstream/call.ts';
import { HedgeBudget } from '../../gateway/src/upstream/hedge.ts';
import { UpstreamNode } from '../../gateway/src/upstream/node.ts';
import { PoolNode } from '../../gateway/src/upstream/poolNode.ts';
import { startAnvil, type Anvil } from '../helpers/anvil.ts';
import { startFakeNode, type FakeNode } from '../helpers/fakeNode.ts';
import { fastUpstream, recorder, type Recorder } from '../helpers/poolFixture.ts';

let anvil: Anvil;
let fronts: FakeNode[] = [];
test.before(async () => {
  anvil = await startAnvil({ chainId: 42161 });
});
test.after(async () => {
  await anvil.kill();
});
test.after.each(async () => {
  await Promise.all(fronts.map((f) => f.close()));
  fronts = [];
});

async function pool(count: number, settings: UpstreamConfig = fastUpstream()): Promise<{ c: CallContext; nodes: PoolNode[]; rec: Recorder }> {
  fronts = await Promise.all(Array.from({ length: count }, () => startFakeNode(anvil.url)));
  const rec = recorder();
  const breaker = { failures: settings.breakerFailures, cooldownMs: settings.breakerCooldownMs, maxCooldownMs: settings.breakerMaxCooldownMs };
  const nodes = fronts.map((f, i) => new PoolNode(new UpstreamNode('l2', { name: String.fromCharCode(97 + i), url: f.url }), i, breaker, rec.bus, 'l2', systemClock));
  const c: CallContext = { network: 'l2', nodes, settings, bus: rec.bus as EventBus, now: systemClock, budget: new HedgeBudget(1), bestHead: () => undefined };
  return { c, nodes, rec };
}

const READ: [string, unknown[]] = ['eth_getBalance', [`0x${'00'.repeat(20)}`, 'latest']];
/** For a first attempt slowed to 400 ms: far inside its timeout even on a loaded machine (500 ms was not, once). */
const SLOW_FIRST = () => fastUpstream({ timeoutMs: 1500 });

test('a hedge target that loses the race is cancelled without a trace: a half-open trial it took is released, its short run is no latency', async () => {
  const { c, nodes, rec } = await pool(2, SLOW_FIRST());
  const b = nodes[1]!;
  b.breaker.failure('member');
  b.breaker.failure('member'); // members opened b
  await new Promise((r) => setTimeout(r, c.settings.breakerCooldownMs + 50));
  assert.is(b.breaker.state(), 'half_open');
  fronts[0]!.misbehave({ method: 'eth_getBalance', act: { kind: 'slow', ms: 400 } }); // past the hedge delay (300)
  fronts[1]!.misbehave({ method: 'eth_getBalance', act: { kind: 'slow', ms: 2000 } });
  const out = await callPool(c, ...READ, 'r1');
  assert.equal(out.kind === 'result' && out.value, '0x0');
  assert.ok(rec.of('upstream.hedge').some((e) => e.from === 'a' && e.to === 'b'), 'b was the hedge');
  assert.is(rec.attempts('r1').find((e) => e.node === 'b')?.outcome, 'cancelled');
  assert.is(b.breaker.canPass(), true, 'b\'s trial is free for the next caller');
  assert.is(b.latency.default.quantile(0.5, 1), undefined, 'b ran for a moment only: no latency sample');
});

test('a hedge\'s JSON-RPC error does not beat the first attempt\'s answer; its result does', async () => {
  const { c, rec } = await pool(2, SLOW_FIRST());
  fronts[0]!.misbehave({ method: 'eth_getBalance', act: { kind: 'slow', ms: 400 } });
  fronts[1]!.misbehave({ method: 'eth_getBalance', times: 1, act: { kind: 'rpcError', code: -32000, message: 'an error no one has seen before' } });
  const out = await callPool(c, ...READ, 'r2');
  assert.equal(out.kind === 'result' && out.value, '0x0', 'the first attempt\'s result, not the hedge\'s odd error');
  assert.ok(rec.of('upstream.hedge').length === 1);
});

test('when the first attempt fails (it hangs past its timeout), the hedge\'s JSON-RPC error is the honest answer', async () => {
  const { c, rec } = await pool(2);
  fronts[0]!.misbehave({ method: 'eth_getBalance', act: { kind: 'hang' } });
  fronts[1]!.misbehave({ method: 'eth_getBalance', act: { kind: 'rpcError', code: -32000, message: 'an error no one has seen before' } });
  const out2 = await callPool(c, ...READ, 'r3');
  assert.equal(out2.kind === 'error' && out2.error.message, 'an error no one has seen before');
  assert.equal(rec.attempts('r3').map((e) => [e.node, e.outcome]), [['b', 'rpc_error'], ['a', 'timeout']]);
});

test('a hedge is an attempt: with MAX_ATTEMPTS=1 a slow read is not hedged', async () => {
  const { c, rec } = await pool(2, fastUpstream({ maxAttempts: 1, timeoutMs: 1500 }));
  fronts[0]!.misbehave({ method: 'eth_getBalance', act: { kind: 'slow', ms: 400 } });
  const out = await callPool(c, ...READ, 'r4');
  assert.equal(out.kind === 'result' && out.value, '0x0');
  assert.is(rec.of('upstream.hedge').length, 0);
  assert.equal(rec.attempts('r4').map((e) => e.node), ['a']);
});

test('a lone node out of rotation gets a whole attempt, even past the last resort\'s deadline: slow under a burst is not dead', async () => {
  const settings = fastUpstream({ timeoutMs: 2000, lastResortTimeoutMs: 300, lastResortDeadlineMs: 1000, breakerCooldownMs: 60_000, breakerMaxCooldownMs: 60_000 });
  const { c, nodes, rec } = await pool(1, settings);
  nodes[0]!.breaker.failure('member');
  nodes[0]!.breaker.failure('member');
  assert.is(nodes[0]!.breaker.state(), 'open');
  fronts[0]!.misbehave({ method: 'eth_getBalance', act: { kind: 'slow', ms: 1500 } });
  const out = await callPool(c, ...READ, 'r5');
  assert.equal(out.kind === 'result' && out.value, '0x0', 'answered in 1.5 s: past the 1 s deadline, within the 2 s timeout');
  assert.equal(rec.attempts('r5').map((e) => [e.outcome, e.lastResort]), [['ok', true]]);
});

test.run();
