// The fault matrix, node side: for each way a node fails, what the member sees (every read answered while
// another node can answer; a fast -32002 when none can) and what the operator sees (the node.health event
// with its cause, the metrics, the log line).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { waitFor, type TestGateway } from '../helpers/gateway.ts';
import type { Misbehaviour } from '../helpers/fakeNode.ts';
import { faultGateway, freshRead, nodeLines, readsThatFailed, series } from './faults_support.ts';

const unhealthy = (tg: TestGateway, node: string) => tg.of('node.health').filter((e) => e.node === node && !e.healthy);

test('node refuses connections: every read answered by the other node; the operator sees breaker_open after connect failures', async () => {
  const tg = await faultGateway({ l2Nodes: 2 });
  try {
    await tg.fronts[0]!.close(); // the node's port: nothing listens any more
    assert.equal(await readsThatFailed(tg, 'a', 10), []);
    await waitFor(() => unhealthy(tg, 'l2node0').length > 0, 5000, 'l2node0 out of rotation');
    // A poll in flight when the port closed may have been reset (transport) before the refusals began.
    assert.match(unhealthy(tg, 'l2node0')[0]!.detail ?? '', /^after \d+ (× connect|failures).*connect failed: ECONNREFUSED$/);
    assert.is(series(await tg.metrics(), 'gateway_node_up', { node: 'l2node0' }), 0);
    assert.match(String(nodeLines(tg, 'node health changed', 'l2node0').at(-1)?.detail), /connect/);
  } finally {
    await tg.stop();
  }
});

const ANSWERS: Array<[string, Misbehaviour, string, RegExp]> = [
  ['HTTP 5xx', { kind: 'status', status: 502 }, 'http_5xx', /HTTP 502/],
  ['HTTP 429', { kind: 'status', status: 429 }, 'http_429', /HTTP 429/],
  ['HTTP 200 with an HTML body', { kind: 'garbage' }, 'malformed', /not JSON/],
  ['truncated JSON', { kind: 'truncated' }, 'malformed', /not JSON/],
  ['"header not found" (a node behind)', { kind: 'rpcError', code: -32000, message: 'header not found' }, 'node_state', /rpc -32000/],
];
for (const [what, act, outcome, detail] of ANSWERS) {
  test(`node answers ${what} to members: every read answered; it leaves rotation with the cause; attempts counted by outcome`, async () => {
    // A failing node is tried after clean ones for a while (five cooldowns), then again: its third failure opens it.
    const tg = await faultGateway({ l2Nodes: 2, env: { BREAKER_COOLDOWN_MS: '100' } });
    try {
      tg.fronts[0]!.misbehave({ membersOnly: true, act });
      const started = Date.now();
      for (let i = 0; unhealthy(tg, 'l2node0').length === 0; i++) {
        assert.ok(Date.now() - started < 10_000, 'out of rotation within 10 s');
        assert.is((await freshRead(tg, 'b', i)).result, '0x0', `read ${i} answered`);
        await new Promise((r) => setTimeout(r, 20));
      }
      const out = unhealthy(tg, 'l2node0');
      assert.match(out[0]!.detail ?? '', new RegExp(`^after \\d+ × ${outcome}: .*${detail.source}`));
      const scrape = await tg.metrics();
      assert.ok(series(scrape, 'gateway_upstream_attempts_total', { node: 'l2node0', outcome }) >= 1);
      assert.is(series(scrape, 'gateway_node_up', { node: 'l2node0' }), 0);
      assert.ok(nodeLines(tg, 'node health changed', 'l2node0').some((l) => l.healthy === false && String(l.detail).includes(outcome)));
      assert.equal(tg.gw.pools.l2!.status()[0]!.reason, 'breaker_open');
    } finally {
      await tg.stop();
    }
  });
}

test('node fails members while its head polls succeed: it leaves rotation and stays out; reads stop going to it first', async () => {
  const tg = await faultGateway({ l2Nodes: 2, env: { BREAKER_COOLDOWN_MS: '100' } });
  try {
    tg.fronts[0]!.misbehave({ membersOnly: true, act: { kind: 'rpcError', code: -32000, message: 'header not found' } });
    const failed: unknown[] = [];
    for (let i = 0; i < 30; i++) {
      const r = await freshRead(tg, 'c', i);
      if (r.result !== '0x0') failed.push(r);
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.equal(failed, []);
    const firstTries = tg.of('upstream.attempt').filter((e) => e.method === 'eth_getTransactionCount' && e.attempt === 1);
    const onBad = firstTries.filter((e) => e.node === 'l2node0').length;
    // The failures that open its breaker (3), and at most one more racing the opening: not 30 of 30.
    assert.ok(onBad <= 4, `${onBad} of 30 reads tried the bad node first`);
    await new Promise((r) => setTimeout(r, 1500)); // polls keep succeeding; trials replay a member's read, and fail
    assert.is(tg.gw.pools.l2!.status()[0]!.healthy, false, 'successful polls did not bring it back');
    assert.ok(tg.fronts[0]!.received.some((c) => c.method === 'eth_getTransactionCount'), 'its trials are members\' reads');
    tg.fronts[0]!.reset();
    await waitFor(() => tg.gw.pools.l2!.status()[0]!.healthy, 10_000, 'back once members\' reads succeed there');
  } finally {
    await tg.stop();
  }
});

test('node hung (SIGSTOP): reads hedged away and answered fast; the hung attempts are cancelled; its polls time out and take it out', async () => {
  const tg = await faultGateway({ l2Nodes: 2, env: { UPSTREAM_TIMEOUT_MS: '1000' } });
  try {
    assert.equal(await readsThatFailed(tg, 'aa', 3), [], 'warm');
    await tg.l2[0]!.pause();
    const times: number[] = [];
    for (let i = 0; i < 10; i++) {
      const started = performance.now();
      assert.is((await freshRead(tg, 'cc', i)).result, '0x0');
      times.push(performance.now() - started);
    }
    assert.ok(Math.max(...times) < 1000, `no read waited for the timeout: ${times.map((t) => t.toFixed(0)).join(' ')}`);
    assert.ok(tg.of('upstream.attempt').some((e) => e.node === 'l2node0' && e.outcome === 'cancelled'));
    await waitFor(() => unhealthy(tg, 'l2node0').length > 0, 10_000, 'its polls to take it out');
    assert.match(unhealthy(tg, 'l2node0')[0]!.detail ?? '', /timeout/);
  } finally {
    tg.l2[0]?.resume();
    await tg.stop();
  }
});

test('node 1.5 s slow for members (its polls fast): reads are hedged to the other node, p90 under 600 ms; it moves down the order', async () => {
  const tg = await faultGateway({ l2Nodes: 2 });
  try {
    assert.equal(await readsThatFailed(tg, 'aa', 5), [], 'warm: both nodes known fast');
    tg.fronts[0]!.misbehave({ membersOnly: true, act: { kind: 'slow', ms: 1500 } });
    const times: number[] = [];
    for (let i = 0; i < 40; i++) {
      const started = performance.now();
      assert.is((await freshRead(tg, 'bb', i)).result, '0x0');
      times.push(performance.now() - started);
    }
    times.sort((a, b) => a - b);
    const p90 = times[Math.floor(0.9 * times.length)]!;
    assert.ok(p90 < 600, `p90 ${p90.toFixed(0)} ms`);
    const hedges = tg.of('upstream.hedge').filter((e) => e.from === 'l2node0');
    assert.ok(hedges.length >= 1 && hedges.length <= 10, `${hedges.length} hedges`);
    assert.ok(tg.of('upstream.attempt').some((e) => e.node === 'l2node0' && e.outcome === 'cancelled'), 'the slow attempt was cancelled');
    assert.equal(tg.gw.pools.l2!.status()[0]!.slow, true, '/status says it is slow');
    assert.ok(series(await tg.metrics(), 'gateway_hedges_total', { from: 'l2node0', to: 'l2node1' }) >= 1);
    assert.ok(tg.logs().some((l) => l.msg === 'request completed' && l.hedged === true));
  } finally {
    await tg.stop();
  }
});

test('a lone node resets 3 requests in a row, then works: all 20 reads answered, none refused', async () => {
  const tg = await faultGateway({ l2Nodes: 1 });
  try {
    tg.fronts[0]!.misbehave({ membersOnly: true, times: 3, act: { kind: 'reset' } });
    assert.equal(await readsThatFailed(tg, 'd', 20), []);
    const first = tg.of('upstream.attempt').filter((e) => e.network === 'l2' && e.method === 'eth_getTransactionCount');
    // The node's third reset may go to the breaker's own member-like trial instead of a member's retry,
    // so the member saw one to three resets, then only answers.
    const outcomes = first.map((e) => e.outcome);
    const resets = outcomes.indexOf('ok');
    assert.ok(resets >= 1 && resets <= 3, `the first read rode the blip out: ${outcomes.slice(0, 5).join(', ')}`);
    assert.ok(outcomes.slice(resets).every((o) => o === 'ok'), 'every later attempt answered');
    assert.is(tg.of('upstream.exhausted').length, 0, 'nothing refused');
    assert.is(tg.gw.pools.l2!.status()[0]!.healthy, true);
  } finally {
    await tg.stop();
  }
});

test('a lone node down for 20 s, then back: members get a fast -32002 only while it is down; the first read after it returns is answered', async () => {
  // The default breaker: a 2 s first cooldown that doubles while probes fail (2, 4, 8, 16 s by the end).
  const tg = await faultGateway({ l2Nodes: 1 });
  try {
    await tg.l2[0]!.kill();
    const downSince = Date.now();
    let refused = 0;
    while (Date.now() - downSince < 20_000) {
      const started = Date.now();
      const r = await freshRead(tg, 'e', refused);
      assert.is(r.error?.code, -32002, 'nothing answers while it is down');
      assert.ok(Date.now() - started < 1000, 'and the member learns it fast');
      refused++;
      await new Promise((r) => setTimeout(r, 250));
    }
    await tg.l2[0]!.restart();
    const backAt = Date.now();
    const r = await freshRead(tg, 'e', 9999);
    assert.is(r.result, '0x0', 'answered at once: a breaker alone never refuses a call a node could answer');
    await waitFor(() => tg.gw.pools.l2!.status()[0]!.healthy, 2000, 'back in rotation within a poll interval');
    const refusedAfterBack = Date.now() - backAt;
    // The operator: the node's health with its cause, every refusal counted and logged.
    assert.match(unhealthy(tg, 'l2node0')[0]!.detail ?? '', /^after \d+ (× \w+|failures)/, 'the cause, in words');
    assert.is(tg.of('node.health').filter((e) => e.node === 'l2node0').at(-1)?.healthy, true, 'the last health change says it is back');
    assert.is(nodeLines(tg, 'node health changed', 'l2node0').at(-1)?.healthy, true);
    const scrape = await tg.metrics();
    // (The orchestrator sync reads through the same pool: its failed calls are counted too.)
    assert.ok(series(scrape, 'gateway_upstream_exhausted_total', { network: 'l2', reason: 'all_attempts_failed' }) >= refused);
    assert.ok(tg.logs().filter((l) => l.msg === 'upstream exhausted' && l.network === 'l2').length >= refused);
    assert.ok(refusedAfterBack < 2000, `members refused for ${refusedAfterBack} ms after the node came back`);
  } finally {
    await tg.stop();
  }
});

test('node falls behind: out of rotation as lagging, with how far behind; reads go to the node at the head', async () => {
  const tg = await faultGateway({ l2Nodes: 2, env: { L2_LAG_THRESHOLD: '5' } });
  try {
    await tg.l2[1]!.rpc('anvil_mine', ['0x40']);
    await waitFor(() => unhealthy(tg, 'l2node0').some((e) => e.reason === 'lagging'), 5000, 'l2node0 lagging');
    assert.match(unhealthy(tg, 'l2node0').find((e) => e.reason === 'lagging')!.detail ?? '', /^\d+ blocks behind the best node \(threshold 5\)$/);
    assert.is((await tg.rpc('eth_blockNumber')).result, await tg.l2[1]!.rpc('eth_blockNumber'));
    assert.equal(tg.gw.pools.l2!.status()[0]!.reason, 'lagging');
  } finally {
    await tg.stop();
  }
});

test.run();
