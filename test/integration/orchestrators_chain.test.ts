// The chain source against a real Anvil node running a contract with the BondingManager's pool functions
// (test/contracts/TestBondingManager.sol, compiled here with solc).
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createPublicClient, createWalletClient, getAddress, http, type Address } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { compileContract, type CompiledContract } from '../contracts/compile.ts';
import { startAnvil, TEST_PRIVATE_KEYS, type Anvil } from '../helpers/anvil.ts';
import { createChainSource } from '../../gateway/src/orchestrators/chainSource.ts';
import { createOrchestratorSource } from '../../gateway/src/orchestrators/create.ts';
import { OrchestratorSourceError } from '../../gateway/src/orchestrators/source.ts';

const chain = suite<{ anvil: Anvil; contract: CompiledContract }>('chain source', {} as never);

// mixed-case (checksummed) on purpose: the source must hand back lower-case
const TRANSCODERS: Address[] = [
  '525419ff5707190389bfb5c87c375d710f5fcb0e',
  '847791cbf03be716a7fe9dc8c9affe17bd49ae5e',
  'da43d85b8d419a9c51bbf0089c9bd5169c23f2f9',
  '4f4758f7167b18e1f5b3c1a7575e3eb584894dbc',
  '10b21af759129f32c6064adfb85d3ea2a8c0209c',
].map((hex) => getAddress(`0x${hex}`));
const lower = (xs: readonly string[]) => new Set(xs.map((x) => x.toLowerCase()));

chain.before(async (ctx) => {
  ctx.contract = compileContract('TestBondingManager.sol', 'TestBondingManager');
  ctx.anvil = await startAnvil();
});

chain.after(async (ctx) => {
  await ctx.anvil?.kill();
});

async function deploy(ctx: { anvil: Anvil; contract: CompiledContract }) {
  const account = privateKeyToAccount(TEST_PRIVATE_KEYS[0]);
  const transport = http(ctx.anvil.url, { retryCount: 0 });
  const wallet = createWalletClient({ account, transport, chain: undefined });
  const reader = createPublicClient({ transport });
  const hash = await wallet.deployContract({ abi: ctx.contract.abi, bytecode: ctx.contract.bytecode, chain: null });
  const receipt = await reader.waitForTransactionReceipt({ hash, pollingInterval: 50 });
  const address = receipt.contractAddress!;
  const send = async (functionName: string, args: unknown[]) => {
    const tx = await wallet.writeContract({ address, abi: ctx.contract.abi, functionName, args, chain: null });
    await reader.waitForTransactionReceipt({ hash: tx, pollingInterval: 50 });
  };
  const source = (activeOnly = false, maxPoolSize?: number) =>
    createChainSource({ transport, bondingManager: address, activeOnly, ...(maxPoolSize ? { maxPoolSize } : {}) });
  return { address, send, source, transport };
}

/** A loopback port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  await new Promise((r) => server.close(r));
  return port;
}

async function failure(p: Promise<unknown>): Promise<OrchestratorSourceError> {
  try {
    await p;
  } catch (err) {
    assert.instance(err, OrchestratorSourceError);
    return err as OrchestratorSourceError;
  }
  throw new Error('expected the source to fail');
}

chain('walks the whole pool from the first transcoder, bounded by the pool size, as lower-case addresses', async (ctx) => {
  const c = await deploy(ctx);
  await c.send('setPool', [TRANSCODERS]);
  const set = await c.source().fetchActive();
  assert.equal(set, lower(TRANSCODERS));
});

chain('sees the pool change between reads (no stale block number)', async (ctx) => {
  const c = await deploy(ctx);
  const source = c.source();
  await c.send('setPool', [TRANSCODERS.slice(0, 2)]);
  assert.equal(await source.fetchActive(), lower(TRANSCODERS.slice(0, 2)));
  await c.send('setPool', [TRANSCODERS.slice(2)]);
  assert.equal(await source.fetchActive(), lower(TRANSCODERS.slice(2)));
});

chain('an empty pool is an empty set (the sync decides whether to trust it)', async (ctx) => {
  const c = await deploy(ctx);
  assert.equal(await c.source().fetchActive(), new Set());
});

chain('with activeOnly, only pool members isActiveTranscoder confirms for this round are kept', async (ctx) => {
  const c = await deploy(ctx);
  await c.send('setPool', [TRANSCODERS]);
  await c.send('setActive', [TRANSCODERS[1], true]);
  await c.send('setActive', [TRANSCODERS[3], true]);
  assert.equal(await c.source(true).fetchActive(), lower([TRANSCODERS[1]!, TRANSCODERS[3]!]));
  assert.is((await c.source(false).fetchActive()).size, 5, 'the pool as a whole still counts by default');
});

chain('an inconsistent pool is refused rather than returned in part', async (ctx) => {
  const c = await deploy(ctx);
  await c.send('setPool', [TRANSCODERS]);
  await c.send('setNext', [TRANSCODERS[2], TRANSCODERS[0]]);
  assert.match((await failure(c.source().fetchActive())).message, /came back to/);

  await c.send('setPool', [TRANSCODERS]);
  await c.send('setReportedSize', [7n]);
  assert.match((await failure(c.source().fetchActive())).message, /pool ended after 5 of 7/);

  await c.send('setReportedSize', [3n]);
  assert.match((await failure(c.source().fetchActive())).message, /continues past its size of 3/);

  await c.send('setReportedSize', [5000n]);
  assert.match((await failure(c.source(false, 1000).fetchActive())).message, /above the limit of 1000/);
});

chain('no contract at the address, or no node, fails with a reason that names no URL', async (ctx) => {
  const transport = http(ctx.anvil.url, { retryCount: 0 });
  const nowhere: Address = '0x000000000000000000000000000000000000dEaD';
  const empty = createChainSource({ transport, bondingManager: nowhere });
  const err = await failure(empty.fetchActive());
  assert.match(err.message, /^chain: getTranscoderPoolSize failed/);
  assert.not.ok(err.message.includes(ctx.anvil.url));

  const port = await closedPort();
  const dead = createChainSource({ transport: http(`http://127.0.0.1:${port}/secret-key-path`, { retryCount: 0 }), bondingManager: nowhere });
  const err2 = await failure(dead.fetchActive());
  assert.match(err2.message, /ECONNREFUSED/);
  assert.not.ok(err2.message.includes('secret-key-path'), err2.message);
});

chain('the factory builds the chain source over the given L2 transport, and refuses to without one', async (ctx) => {
  const c = await deploy(ctx);
  await c.send('setPool', [TRANSCODERS.slice(0, 3)]);
  const config = { kind: 'chain', bondingManager: c.address, activeOnly: false, maxPoolSize: 1000 } as const;
  const source = createOrchestratorSource(config, { l2Transport: c.transport });
  assert.is(source.name, 'chain');
  assert.equal(await source.fetchActive(), lower(TRANSCODERS.slice(0, 3)));
  assert.throws(() => createOrchestratorSource(config, {}), /no L2 transport/);
});

chain.run();
