// After a reorg, nothing above the finalized block is served stale; finalized data stays cached.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { startTestGateway, waitFor, waitForPoolHead } from '../helpers/gateway.ts';
import { series } from './faults_support.ts';

type Block = { hash: string; number: string };

test('reorg on the primary: a block, its logs and a receipt above finalized follow it; the operator sees the reorg', async () => {
  // Anvil's finalized block is head - 2 * slotsInAnEpoch: here head - 4.
  const tg = await startTestGateway({ l2Nodes: 1, l1Nodes: 1, anvil: { slotsInAnEpoch: 2 }, telemetry: true });
  try {
    const node = tg.l2[0]!;
    await node.rpc('anvil_mine', ['0x10']);
    const [from] = await node.rpc<string[]>('eth_accounts');
    const txHash = await node.rpc<string>('eth_sendTransaction', [{ from, to: from, value: '0x1' }]);
    // Anvil can answer the send before its automined block exists: the head is the receipt's block
    let mined: { blockNumber: string } | null = null;
    await waitFor(async () => (mined = await node.rpc('eth_getTransactionReceipt', [txHash])) !== null, 5000, 'the receipt');
    const head = mined!.blockNumber;
    assert.is(Number(head), await waitForPoolHead(tg));

    const before = (await tg.rpc('eth_getBlockByNumber', [head, false])).result as Block;
    const receiptBefore = (await tg.rpc('eth_getTransactionReceipt', [txHash])).result as { blockHash: string };
    assert.is(receiptBefore.blockHash, before.hash);
    // served again from the cache while nothing moved
    assert.is(((await tg.rpc('eth_getBlockByNumber', [head, false])).result as Block).hash, before.hash);
    assert.ok(tg.of('cache.lookup').some((e) => e.method === 'eth_getBlockByNumber' && e.result === 'hit'));

    const reorgsBefore = tg.of('chain.reorg').length;
    await node.rpc('anvil_reorg', [2, []]); // replace the last 2 blocks: same height, new hashes, the tx is gone
    const direct = await node.rpc<Block>('eth_getBlockByNumber', [head, false]);
    assert.is.not(direct.hash, before.hash);

    await waitFor(() => tg.of('chain.reorg').length > reorgsBefore, 5000, 'the head tracker to see the reorg');
    const after = (await tg.rpc('eth_getBlockByNumber', [head, false])).result as Block;
    assert.is(after.hash, direct.hash, 'no stale block once the reorg is seen');
    const receiptAfter = (await tg.rpc('eth_getTransactionReceipt', [txHash])).result;
    assert.equal(receiptAfter, await node.rpc('eth_getTransactionReceipt', [txHash]));
    const logsAfter = (await tg.rpc('eth_getLogs', [{ fromBlock: head, toBlock: head }])).result;
    assert.equal(logsAfter, await node.rpc('eth_getLogs', [{ fromBlock: head, toBlock: head }]));

    const line = tg.logs().find((l) => l.msg === 'chain reorg');
    assert.ok(line && line.node === 'l2node0' && line.network === 'l2' && typeof line.height === 'number', 'a warn line says where');
    assert.ok(series(await tg.metrics(), 'gateway_chain_reorgs_total', { network: 'l2', node: 'l2node0' }) >= 1);
  } finally {
    await tg.stop();
  }
});

test('whatever the head tracker sees, a head-dependent answer never outlives the documented 2 s bound', async () => {
  const tg = await startTestGateway({ l2Nodes: 1, l1Nodes: 1, anvil: { slotsInAnEpoch: 2 }, env: { HEAD_POLL_MS: '60000' } });
  try {
    // With the head poll effectively off, only the TTL bound protects members.
    const node = tg.l2[0]!;
    await node.rpc('anvil_mine', ['0x10']);
    const head = await node.rpc<string>('eth_blockNumber');
    await waitFor(() => tg.gw.pools.l2!.head() !== undefined, 5000, 'a first head');
    const before = (await tg.rpc('eth_getBlockByNumber', [head, false])).result as Block;
    await node.rpc('anvil_reorg', [2, []]);
    const direct = await node.rpc<Block>('eth_getBlockByNumber', [head, false]);
    assert.is.not(direct.hash, before.hash);
    await waitFor(
      async () => ((await tg.rpc('eth_getBlockByNumber', [head, false])).result as Block).hash === direct.hash,
      tg.config.cache.headTtlMs + 1500,
      'the stale block to expire within the TTL bound',
    );
  } finally {
    await tg.stop();
  }
});

test('a block at or below finalized is cached long-lived and survives the head moving', async () => {
  const tg = await startTestGateway({ l2Nodes: 1, l1Nodes: 1, anvil: { slotsInAnEpoch: 2 } });
  try {
    const node = tg.l2[0]!;
    await node.rpc('anvil_mine', ['0x10']);
    await waitFor(() => (tg.gw.pools.l2!.head()?.finalized ?? 0) >= 10, 5000, 'finalized known');
    const first = (await tg.rpc('eth_getBlockByNumber', ['0x3', false])).result as Block;
    await node.rpc('anvil_mine', ['0x5']);
    const headBefore = tg.gw.pools.l2!.head()!.number;
    await waitFor(() => (tg.gw.pools.l2!.head()?.number ?? 0) > headBefore, 5000, 'head moved');
    const mark = tg.of('upstream.attempt').length;
    const again = (await tg.rpc('eth_getBlockByNumber', ['0x3', false])).result as Block;
    assert.is(again.hash, first.hash);
    const upstream = tg.of('upstream.attempt').slice(mark).filter((e) => e.method === 'eth_getBlockByNumber');
    assert.is(upstream.length, 0, 'served from the cache');
  } finally {
    await tg.stop();
  }
});

test.run();
