import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { EventBus } from '../../gateway/src/events.ts';
import { HedgeBudget, hedgeDelay, type HedgeConfig } from '../../gateway/src/upstream/hedge.ts';
import { LatencyTracker } from '../../gateway/src/upstream/latency.ts';
import { UpstreamNode } from '../../gateway/src/upstream/node.ts';
import { PoolNode } from '../../gateway/src/upstream/poolNode.ts';
import { rank, slowNodes } from '../../gateway/src/upstream/select.ts';
import { manualClock } from '../helpers/clock.ts';

const CFG: HedgeConfig = { enabled: true, minDelayMs: 50, maxDelayMs: 500, maxShare: 0.1 };

test('the hedge delay is the node\'s recent p90 within the bounds, and the ceiling while the node is unknown', () => {
  const clock = manualClock();
  const t = new LatencyTracker(10_000, clock.now);
  assert.is(hedgeDelay(t, CFG), 500, 'unknown: wait the longest');
  for (let i = 1; i <= 10; i++) t.record(i * 20); // 20..200 ms
  assert.is(hedgeDelay(t, CFG), 200);
  const fast = new LatencyTracker(10_000, clock.now);
  for (let i = 0; i < 10; i++) fast.record(2);
  assert.is(hedgeDelay(fast, CFG), 50, 'never sooner than the floor');
  const slow = new LatencyTracker(10_000, clock.now);
  for (let i = 0; i < 10; i++) slow.record(1500);
  assert.is(hedgeDelay(slow, CFG), 500, 'never later than the ceiling');
});

test('latency samples older than the window stop counting', () => {
  const clock = manualClock();
  const t = new LatencyTracker(10_000, clock.now);
  for (let i = 0; i < 5; i++) t.record(100);
  assert.is(t.quantile(0.5), 100);
  clock.advance(10_001);
  assert.is(t.quantile(0.5), undefined);
});

test('hedges are bounded: over many reads, at most the share plus a small burst', () => {
  const budget = new HedgeBudget(0.1);
  let hedges = 0;
  for (let i = 0; i < 1000; i++) {
    budget.earn();
    if (budget.take()) hedges++; // every read wants a hedge
  }
  assert.ok(hedges <= 0.1 * 1000 + 10, `${hedges} hedges for 1000 reads`);
  assert.ok(hedges >= 0.1 * 1000 - 1, 'and the share is there to spend');
});

test('HEDGE_MAX_SHARE=0 means no hedge at all, not even the burst', () => {
  const budget = new HedgeBudget(0);
  for (let i = 0; i < 100; i++) budget.earn();
  assert.is(budget.take(), false);
});

function pool(count: number) {
  const clock = manualClock();
  const bus = new EventBus();
  return Array.from({ length: count }, (_, i) => new PoolNode(new UpstreamNode('l2', { name: `n${i}`, url: `http://127.0.0.1:9/${i}` }), i, { failures: 3, cooldownMs: 1000, maxCooldownMs: 4000, now: clock.now }, bus, 'l2', clock.now));
}

test('a node several times slower than the fastest moves down the order, as a failing one does', () => {
  const [a, b, c] = pool(3) as [PoolNode, PoolNode, PoolNode];
  for (let i = 0; i < 5; i++) {
    a.latency.default.record(1500);
    b.latency.default.record(10);
    c.latency.default.record(25);
  }
  assert.equal([...slowNodes([a, b, c], 50)].map((n) => n.name), ['n0']);
  assert.equal(rank([a, b, c]).map((n) => n.name), ['n1', 'n2', 'n0']);
});

test('fast nodes are never slow, however they compare: the floor', () => {
  const [a, b] = pool(2) as [PoolNode, PoolNode];
  for (let i = 0; i < 5; i++) {
    a.latency.default.record(20); // 10 times b, but both well under the floor
    b.latency.default.record(2);
  }
  assert.equal(slowNodes([a, b], 50).size, 0);
  assert.equal(rank([a, b]).map((n) => n.name), ['n0', 'n1']);
});

test.run();
