import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { EventBus } from '../../gateway/src/events.ts';
import { UpstreamNode } from '../../gateway/src/upstream/node.ts';
import { PoolNode } from '../../gateway/src/upstream/poolNode.ts';
import { pickNode, rank } from '../../gateway/src/upstream/select.ts';

// Nodes that are never called: selection only reads their breaker and lag state.
function nodes(count: number) {
  const clock = { t: 0 };
  const bus = new EventBus();
  const list = Array.from(
    { length: count },
    (_, i) =>
      new PoolNode(
        new UpstreamNode('l2', { name: `n${i}`, url: `http://127.0.0.1:9/${i}` }),
        i,
        { failures: 2, cooldownMs: 1000, maxCooldownMs: 4000, now: () => clock.t },
        bus,
        'l2',
      ),
  );
  return { list, clock };
}
const names = (ns: PoolNode[]) => ns.map((n) => n.name);

test('healthy nodes are ranked in priority order', () => {
  const { list } = nodes(3);
  assert.equal(names(rank(list)), ['n0', 'n1', 'n2']);
});

test('a node with a recent failure goes after clean nodes but stays in rotation', () => {
  const { list } = nodes(3);
  list[0]!.failed('member', 'http_5xx', 'HTTP 502');
  assert.equal(names(rank(list)), ['n1', 'n2', 'n0']);
  list[0]!.succeeded('member');
  assert.equal(names(rank(list)), ['n0', 'n1', 'n2']);
});

test('open breakers and lagging nodes are out; a half-open node comes last', () => {
  const { list, clock } = nodes(3);
  list[0]!.failed('member', 'transport', 'x');
  list[0]!.failed('member', 'transport', 'x');
  list[1]!.lagging = true;
  assert.equal(names(rank(list)), ['n2']);
  clock.t = 1000;
  assert.equal(names(rank(list)), ['n2', 'n0']);
});

test('pickNode prefers untried nodes, repeats only those allowed, and takes the half-open trial once', () => {
  const { list, clock } = nodes(2);
  const [a, b] = list as [PoolNode, PoolNode];
  assert.is(pickNode(list, new Set(), new Set()), a);
  assert.is(pickNode(list, new Set([a]), new Set()), b);
  assert.is(pickNode(list, new Set([a, b]), new Set([b])), a);
  assert.is(pickNode(list, new Set([a, b]), new Set([a, b])), undefined);
  for (const n of list) {
    n.failed('member', 'transport', 'x');
    n.failed('member', 'transport', 'x');
  }
  assert.is(pickNode(list, new Set(), new Set()), undefined, 'all open: nothing to try');
  clock.t = 1000;
  assert.is(pickNode(list, new Set(), new Set()), a);
  assert.is(pickNode(list, new Set([a]), new Set([a])), b);
  assert.is(pickNode(list, new Set(), new Set()), undefined, 'both trials are taken');
});

test('health changes are announced once each, with the reason', () => {
  const { list } = nodes(1);
  const n = list[0]!;
  const seen: string[] = [];
  const bus = new EventBus();
  const node = new PoolNode(n.client, 0, { failures: 1, cooldownMs: 1000, maxCooldownMs: 1000 }, bus, 'l1');
  bus.on('node.health', (e) => seen.push(`${e.network}:${e.node}:${e.healthy}:${e.reason}`));
  node.announce(true);
  node.succeeded('member');
  node.failed('member', 'transport', 'x');
  node.failed('member', 'transport', 'x');
  node.succeeded('member');
  node.lagging = true;
  node.announce();
  assert.equal(seen, ['l1:n0:true:ok', 'l1:n0:false:breaker_open', 'l1:n0:true:ok', 'l1:n0:false:lagging']);
});

test.run();
