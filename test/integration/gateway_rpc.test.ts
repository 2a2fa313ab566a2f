// Through the gateway, real clients get what the node itself answers.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createPublicClient, createWalletClient, http, parseEther, type Hex } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { arbitrum } from 'viem/chains';
import { TEST_PRIVATE_KEYS } from '../helpers/anvil.ts';
import { ECHO_DEPLOY, ECHO_RUNTIME, ECHO_TOPIC } from '../helpers/contract.ts';
import { startTestGateway, waitForPoolHead, type TestGateway } from '../helpers/gateway.ts';

const t = suite<{ tg: TestGateway; contract: Hex; txHash: Hex; blockHash: Hex; blockNumber: bigint }>('gateway rpc');
const account = privateKeyToAccount(TEST_PRIVATE_KEYS[0]);

t.before(async (ctx) => {
  ctx.tg = await startTestGateway({ l2Nodes: 2, l1Nodes: 1 });
  const transport = http(ctx.tg.url('l2'), { retryCount: 0 });
  const pub = createPublicClient({ chain: arbitrum, transport });
  const wallet = createWalletClient({ chain: arbitrum, transport, account });
  // Deploy and call the echo contract through the gateway, with viem's wallet client.
  const deployHash = await wallet.deployContract({ abi: [], bytecode: ECHO_DEPLOY });
  const deployed = await pub.waitForTransactionReceipt({ hash: deployHash, pollingInterval: 50 });
  ctx.contract = deployed.contractAddress!;
  ctx.txHash = await wallet.sendTransaction({ to: ctx.contract, data: '0xbeef' });
  const receipt = await pub.waitForTransactionReceipt({ hash: ctx.txHash, pollingInterval: 50 });
  ctx.blockHash = receipt.blockHash;
  ctx.blockNumber = receipt.blockNumber;
});

t.after(async (ctx) => {
  await ctx.tg?.stop();
});

const hex = (n: bigint) => `0x${n.toString(16)}`;

t('results through the gateway equal the node\'s own answers', async (ctx) => {
  const { tg } = ctx;
  const primary = tg.l2[0]!;
  const cases: Array<[string, unknown[]]> = [
    ['eth_chainId', []],
    ['net_version', []],
    ['eth_blockNumber', []],
    ['eth_getBlockByNumber', [hex(ctx.blockNumber), false]],
    ['eth_getBlockByNumber', [hex(ctx.blockNumber), true]],
    ['eth_getBlockByNumber', ['latest', false]],
    ['eth_getBlockByHash', [ctx.blockHash, false]],
    ['eth_getBalance', [account.address, 'latest']],
    ['eth_getBalance', [account.address, hex(ctx.blockNumber - 1n)]],
    ['eth_getCode', [ctx.contract, 'latest']],
    ['eth_call', [{ to: ctx.contract, data: '0x12345678' }, 'latest']],
    ['eth_getLogs', [{ fromBlock: hex(ctx.blockNumber), toBlock: hex(ctx.blockNumber), address: ctx.contract }]],
    ['eth_getLogs', [{ blockHash: ctx.blockHash }]],
    ['eth_estimateGas', [{ from: account.address, to: ctx.contract, data: '0xbeef' }]],
    ['eth_getTransactionReceipt', [ctx.txHash]],
    ['eth_getTransactionByHash', [ctx.txHash]],
    ['eth_getTransactionCount', [account.address, 'latest']],
    ['eth_gasPrice', []],
  ];
  for (const [method, params] of cases) {
    for (let round = 0; round < 2; round++) {
      // the second round is served from the cache where the policy allows: it must be identical
      const viaGateway = await tg.rpc(method, params);
      const direct = await primary.rpc(method, params);
      assert.equal(viaGateway.result, direct, `${method} ${JSON.stringify(params)} round ${round}`);
    }
  }
});

t('eth_call returns the contract answer and eth_getLogs the event it emitted', async (ctx) => {
  const call = await ctx.tg.rpc('eth_call', [{ to: ctx.contract, data: '0xcafe' }, 'latest']);
  assert.is(call.result, '0xcafe');
  const logs = (await ctx.tg.rpc('eth_getLogs', [{ blockHash: ctx.blockHash }])).result as Array<{ topics: string[]; data: string }>;
  assert.is(logs.length, 1);
  assert.equal(logs[0]!.topics, [ECHO_TOPIC]);
  assert.is(logs[0]!.data, '0xbeef');
  assert.is((await ctx.tg.rpc('eth_getCode', [ctx.contract, 'latest'])).result, ECHO_RUNTIME);
});

t('a viem public client reads through the gateway, and the l1 route serves Ethereum', async (ctx) => {
  const pub = createPublicClient({ chain: arbitrum, transport: http(ctx.tg.url('l2'), { retryCount: 0 }) });
  assert.is(await pub.getChainId(), 42161);
  assert.is(await pub.getBlockNumber({ cacheTime: 0 }), await pub.getBlockNumber({ cacheTime: 0 }));
  const l1 = createPublicClient({ transport: http(ctx.tg.url('l1'), { retryCount: 0 }) });
  assert.is(await l1.getChainId(), 1);
});

t('a viem wallet client sends a transfer through the gateway: eth_sendRawTransaction, then the receipt', async (ctx) => {
  const transport = http(ctx.tg.url('l2'), { retryCount: 0 });
  const wallet = createWalletClient({ chain: arbitrum, transport, account });
  const pub = createPublicClient({ chain: arbitrum, transport });
  const to = privateKeyToAccount(TEST_PRIVATE_KEYS[1]).address;
  const before = await ctx.tg.l2[0]!.rpc<string>('eth_getBalance', [to, 'latest']);
  const hash = await wallet.sendTransaction({ to, value: parseEther('0.5') });
  const receipt = await pub.waitForTransactionReceipt({ hash, pollingInterval: 50 });
  assert.is(receipt.status, 'success');
  const after = await ctx.tg.l2[0]!.rpc<string>('eth_getBalance', [to, 'latest']);
  assert.is(BigInt(after) - BigInt(before), parseEther('0.5'));
  const sends = ctx.tg.of('upstream.attempt').filter((e) => e.method === 'eth_sendRawTransaction' && e.outcome === 'ok');
  assert.ok(sends.length >= 3, 'deploy, call and transfer each went upstream once');
});

t('a batch is answered in order with per-call errors', async (ctx) => {
  const res = await ctx.tg.post(
    JSON.stringify([
      { jsonrpc: '2.0', id: 'a', method: 'eth_chainId', params: [] },
      { jsonrpc: '2.0', id: 'b', method: 'debug_traceTransaction', params: [ctx.txHash] },
      { jsonrpc: '2.0', id: 'c', method: 'eth_getTransactionReceipt', params: [ctx.txHash] },
      { jsonrpc: '2.0', id: 'd', method: 'eth_getBalance', params: ['0x12'] },
    ]),
  );
  assert.is(res.status, 200);
  const body = (await res.json()) as Array<{ id: string; result?: unknown; error?: { code: number } }>;
  assert.equal(body.map((r) => r.id), ['a', 'b', 'c', 'd']);
  assert.is(body[0]!.result, '0xa4b1');
  assert.is(body[1]!.error?.code, -32601);
  assert.is((body[2]!.result as { transactionHash: string }).transactionHash, ctx.txHash);
  assert.is(body[3]!.error?.code, -32602);
});

t('100 identical concurrent calls reach the node at most once', async (ctx) => {
  const params = [`0x${'77'.repeat(20)}`, 'latest'];
  // Let the head tracker see the block the previous test mined: a new head rightly starts a new flight.
  await waitForPoolHead(ctx.tg);
  const before = ctx.tg.of('upstream.attempt').length;
  const answers = await Promise.all(Array.from({ length: 100 }, () => ctx.tg.rpc('eth_getBalance', params)));
  for (const a of answers) assert.is(a.result, '0x0');
  // Upstream calls, each named by the request that made it (a slow one under load may be hedged: one call still).
  const calls = new Set(ctx.tg.of('upstream.attempt').slice(before).filter((e) => e.method === 'eth_getBalance').map((e) => e.requestId));
  assert.ok(calls.size <= 1, `expected at most 1 upstream call, saw ${calls.size}`);
  const lookups = ctx.tg.of('cache.lookup').filter((e) => e.method === 'eth_getBalance').slice(-100);
  assert.ok(lookups.every((e) => e.result !== 'bypass'));
});

t('an unknown key gets HTTP 401 with a JSON-RPC error that does not echo the key', async (ctx) => {
  const badKey = 'Zz'.repeat(21) + 'Q';
  const res = await fetch(`${ctx.tg.gw.url}/api/${badKey}/l2`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: '{"jsonrpc":"2.0","id":1,"method":"eth_chainId","params":[]}',
  });
  assert.is(res.status, 401);
  const text = await res.text();
  assert.not.ok(text.includes(badKey));
  const body = JSON.parse(text) as { error: { code: number; message: string } };
  assert.type(body.error.code, 'number');
  assert.match(body.error.message, /API key/);
  assert.ok(ctx.tg.of('access.denied').some((e) => e.reason === 'unknown_key'));
});

t('no event carries the key', (ctx) => {
  const all = JSON.stringify(ctx.tg.events);
  assert.not.ok(all.includes(ctx.tg.key));
  assert.equal(ctx.tg.listenerErrors, []);
});

t('a body over the limit is refused with 413 and -32005, and GET is refused with 405', async (ctx) => {
  const big = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'eth_call', params: [{ data: `0x${'00'.repeat(ctx.tg.config.limits.maxBodyBytes)}` }] });
  const res = await ctx.tg.post(big);
  assert.is(res.status, 413);
  assert.is(((await res.json()) as { error: { code: number } }).error.code, -32005);
  const get = await fetch(ctx.tg.url('l2'));
  assert.is(get.status, 405);
});

t('health, readiness and status endpoints describe the pools without URLs', async (ctx) => {
  const health = await fetch(`${ctx.tg.gw.url}/healthz`);
  assert.is(health.status, 200);
  const ready = await fetch(`${ctx.tg.gw.url}/readyz`);
  assert.is(ready.status, 200);
  const status = (await (await fetch(`${ctx.tg.gw.url}/status`)).json()) as {
    networks: Record<string, { healthyNodes: number; nodes: Array<{ name: string; healthy: boolean }> }>;
  };
  assert.is(status.networks.l2!.healthyNodes, 2);
  assert.equal(status.networks.l2!.nodes.map((n) => n.name), ['l2node0', 'l2node1']);
  const text = JSON.stringify(status);
  for (const a of [...ctx.tg.l2, ...ctx.tg.l1]) assert.not.ok(text.includes(String(a.port)), 'no node URL in /status');
});

t.run();
