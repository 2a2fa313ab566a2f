// A member's reads keep working while another node is healthy: the primary killed, hung or lagging.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { series } from './faults_support.ts';
import { startTestGateway, waitFor, type TestGateway } from '../helpers/gateway.ts';

// Distinct reads that miss the cache, so every one of them needs a node.
async function readLoop(tg: TestGateway, count: number, tag: string) {
  const failures: unknown[] = [];
  for (let i = 0; i < count; i++) {
    const address = `0x${(tag + i.toString(16)).padStart(40, '0').slice(-40)}`;
    const r = await tg.rpc('eth_getTransactionCount', [address, 'latest']);
    if (r.result !== '0x0') failures.push(r);
  }
  return failures;
}

test('primary killed: no read fails, the pool fails over and stops trying the dead node', async () => {
  const tg = await startTestGateway({ l2Nodes: 2, l1Nodes: 1 });
  try {
    assert.equal(await readLoop(tg, 5, 'a'), []);
    assert.ok(tg.of('upstream.attempt').every((e) => e.network !== 'l2' || e.node === 'l2node0'), 'primary first');
    await tg.l2[0]!.kill();
    assert.equal(await readLoop(tg, 30, 'b'), [], 'every read answered');
    const failovers = tg.of('upstream.failover').filter((e) => e.from === 'l2node0' && e.to === 'l2node1');
    // Usually a member read meets the dead node first and fails over; on a slow machine the head tracker's
    // polls may open its breaker before any read needs it. Either way no read failed (above).
    const tookOut = tg.of('node.health').some((e) => e.node === 'l2node0' && !e.healthy);
    assert.ok(failovers.length >= 1 || tookOut, 'failed over, or the node was out of rotation before a read needed it');
    await waitFor(() => tg.of('node.health').some((e) => e.node === 'l2node0' && !e.healthy), 5000, 'primary marked unhealthy');
    const attemptsOnDead = tg.of('upstream.attempt').filter((e) => e.node === 'l2node0' && e.outcome !== 'ok').length;
    assert.ok(attemptsOnDead <= tg.config.upstream.breakerFailures + 1, `dead node tried ${attemptsOnDead} times`);
  } finally {
    await tg.stop();
  }
});

test('primary hung (SIGSTOP): reads still succeed, then the primary returns when it resumes', async () => {
  const tg = await startTestGateway({ l2Nodes: 2, l1Nodes: 1 });
  try {
    await tg.l2[0]!.pause();
    assert.equal(await readLoop(tg, 10, 'c'), [], 'every read answered while the primary hangs');
    const away = [...tg.of('upstream.failover'), ...tg.of('upstream.hedge')].filter((e) => e.from === 'l2node0');
    assert.ok(away.length > 0, 'hedged (or failed over) away from the hung primary');
    tg.l2[0]!.resume();
    // back in rotation AND no longer demoted (a node with recent failures, or recently slow, is tried after clean ones)
    await waitFor(
      () => {
        const primary = tg.gw.pools.l2!.status().find((n) => n.name === 'l2node0')!;
        return primary.healthy && !primary.recentFailures && !primary.slow;
      },
      10_000,
      'primary back',
    );
    const mark = tg.events.length;
    assert.equal(await readLoop(tg, 3, 'd'), []);
    const after = tg.events.slice(mark).filter((e) => e.type === 'upstream.attempt');
    assert.ok(after.every((e) => e.type === 'upstream.attempt' && e.node === 'l2node0'), 'traffic back on the primary');
  } finally {
    tg.l2[0]?.resume();
    await tg.stop();
  }
});

test('primary lagging behind the threshold leaves rotation; reads go to the node at the head', async () => {
  const tg = await startTestGateway({ l2Nodes: 2, l1Nodes: 1, env: { L2_LAG_THRESHOLD: '5' } });
  try {
    await tg.l2[1]!.rpc('anvil_mine', ['0x40']); // the secondary is now 64 blocks ahead
    await waitFor(() => !tg.gw.pools.l2!.status().find((n) => n.name === 'l2node0')!.healthy, 5000, 'primary out of rotation');
    const head = (await tg.rpc('eth_blockNumber')).result;
    assert.is(head, await tg.l2[1]!.rpc('eth_blockNumber'));
    assert.ok(tg.of('node.health').some((e) => e.node === 'l2node0' && !e.healthy && e.reason === 'lagging'));
    await tg.l2[0]!.rpc('anvil_mine', ['0x40']);
    await waitFor(() => tg.gw.pools.l2!.status().find((n) => n.name === 'l2node0')!.healthy, 5000, 'primary back in rotation');
  } finally {
    await tg.stop();
  }
});

test('every node down: each node tried once as a last resort, a clear JSON-RPC error in under a second; /readyz, the metric and the log say so', async () => {
  const tg = await startTestGateway({ l2Nodes: 2, l1Nodes: 1, telemetry: true });
  try {
    await Promise.all(tg.l2.map((a) => a.kill()));
    await waitFor(() => tg.gw.pools.l2!.healthyCount() === 0, 5000, 'pool empty');
    const mark = tg.of('upstream.attempt').length;
    const started = performance.now();
    const r = await tg.rpc('eth_getTransactionCount', [`0x${'99'.repeat(20)}`, 'latest']);
    assert.ok(performance.now() - started < 1000, 'refused connections cost milliseconds');
    assert.is(r.error?.code, -32002);
    assert.match(r.error!.message, /l2/);
    const tried = tg.of('upstream.attempt').slice(mark).filter((e) => e.network === 'l2');
    assert.equal(tried.map((e) => [e.outcome, e.lastResort]), [['connect', true], ['connect', true]], 'tried, not refused untried');
    const ready = await fetch(`${tg.gw.url}/readyz`);
    assert.is(ready.status, 503);
    assert.ok(series(await tg.metrics(), 'gateway_upstream_exhausted_total', { network: 'l2', reason: 'all_attempts_failed' }) >= 1);
    assert.ok(tg.logs().some((l) => l.msg === 'upstream exhausted' && l.method === 'eth_getTransactionCount'));
    assert.equal([...new Set(tg.of('node.health').filter((e) => e.network === 'l2' && !e.healthy).map((e) => e.node))].sort(), ['l2node0', 'l2node1']);
    // l1 is untouched
    assert.is((await tg.rpc('eth_chainId', [], 'l1')).result, '0x1');
  } finally {
    await tg.stop();
  }
});

test.run();
