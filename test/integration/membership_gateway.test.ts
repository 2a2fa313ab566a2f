// Membership through the real gateway: the sync it runs writes the set (static source; chain source read
// through its own L2 pool), keys follow the set (grace, then 403, then back), and usage reaches the database.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createPublicClient, createWalletClient, getAddress, http, type Address } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { createKeyForMember } from '../../gateway/src/membership/membership.ts';
import { loadConfig } from '../../gateway/src/config.ts';
import { EventBus, type GatewayEvent } from '../../gateway/src/events.ts';
import { startGateway, type Gateway } from '../../gateway/src/gateway.ts';
import { usageForMember } from '../../gateway/src/store/usage.ts';
import { compileContract } from '../contracts/compile.ts';
import { startAnvil, TEST_PRIVATE_KEYS, type Anvil } from '../helpers/anvil.ts';
import { waitFor } from '../helpers/gateway.ts';
import { testSchema } from '../helpers/schema.ts';

const schema = testSchema('test_membership_gw');

const A = `0x${'a1'.repeat(20)}`;
const B = `0x${'b2'.repeat(20)}`;
let l2: Anvil;
let l1: Anvil;

test.before(async () => {
  await schema.create(); // empty: the gateway migrates it
  [l2, l1] = await Promise.all([startAnvil({ chainId: 42161 }), startAnvil({ chainId: 1 })]);
});

test.after(async () => {
  await Promise.all([l2?.kill(), l1?.kill()]);
  await schema.drop();
});

async function start(env: Record<string, string>): Promise<{ gw: Gateway; events: GatewayEvent[] }> {
  const config = loadConfig({
    PORT: '0',
    HOST: '127.0.0.1',
    L2_UPSTREAMS: `l2node=${l2.url}`,
    L1_UPSTREAMS: `l1node=${l1.url}`,
    DATABASE_URL: schema.url,
    HEAD_POLL_MS: '200',
    KEY_CACHE_TTL_MS: '200',
    USAGE_FLUSH_INTERVAL_MS: '3600000', // flushed by the test, so counts are exact
    ...env,
  });
  const bus = new EventBus();
  const events: GatewayEvent[] = [];
  bus.onAny((e) => events.push(e));
  return { gw: await startGateway(config, { bus }), events };
}

async function call(gw: Gateway, key: string, network: 'l1' | 'l2' = 'l2') {
  const res = await fetch(`${gw.url}/api/${key}/${network}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: '{"jsonrpc":"2.0","id":1,"method":"eth_chainId","params":[]}',
    signal: AbortSignal.timeout(10_000),
  });
  return { status: res.status, body: (await res.json()) as { result?: string; error?: { message: string } } };
}

test('static source end to end: a key works while in the set, through the grace period, then 403, and again once back', async () => {
  const grace = { ORCHESTRATOR_GRACE_MS: '1500' };
  let { gw } = await start({ ORCHESTRATOR_SOURCE: `static:${A},${getAddress(B)}`, ...grace });
  let key: string;
  try {
    assert.is((await gw.sync!.syncNow()).outcome, 'ok');
    const created = await createKeyForMember(gw.database, { address: A, label: 'transcoder' });
    assert.ok(created.ok, 'an address in the static set gets a key');
    if (!created.ok) return;
    key = created.key.key;
    assert.equal(await call(gw, key), { status: 200, body: { jsonrpc: '2.0', id: 1, result: '0xa4b1' } as never });
    for (let i = 0; i < 2; i++) assert.is((await call(gw, key)).status, 200);
    for (let i = 0; i < 2; i++) assert.is((await call(gw, key, 'l1')).status, 200);
    await gw.access.usage.flush();
    const [usage] = await usageForMember(gw.database.db, A);
    assert.equal(usage!.usage, { l2: { last24h: 3, last30d: 3 }, l1: { last24h: 2, last30d: 2 } }, 'counted per network');
  } finally {
    await gw.stop();
  }

  // The set without A (a new process, the same database).
  ({ gw } = await start({ ORCHESTRATOR_SOURCE: `static:${B}`, ...grace }));
  try {
    assert.is((await gw.sync!.syncNow()).outcome, 'ok');
    const left = Date.now();
    let last = await call(gw, key);
    while (last.status === 200 && Date.now() - left < 15_000) {
      await new Promise((r) => setTimeout(r, 100));
      last = await call(gw, key);
    }
    assert.ok(Date.now() - left >= 1000, 'kept working for (about) the grace period');
    assert.is(last.status, 403);
    assert.match(last.body.error!.message, /no longer an active orchestrator/);
    assert.not.ok(JSON.stringify(last.body).includes(key), 'the key is not echoed');
  } finally {
    await gw.stop();
  }

  ({ gw } = await start({ ORCHESTRATOR_SOURCE: `static:${A},${B}`, ...grace }));
  try {
    assert.is((await gw.sync!.syncNow()).outcome, 'ok');
    assert.is((await call(gw, key)).status, 200, 'works again as soon as the address is back');
  } finally {
    await gw.stop();
  }
});

test('chain source: the sync reads the BondingManager through the gateway\'s own L2 pool and writes the set', async () => {
  const contract = compileContract('TestBondingManager.sol', 'TestBondingManager');
  const account = privateKeyToAccount(TEST_PRIVATE_KEYS[1]);
  const transport = http(l2.url, { retryCount: 0 });
  const wallet = createWalletClient({ account, transport, chain: undefined });
  const reader = createPublicClient({ transport });
  const receipt = await reader.waitForTransactionReceipt({
    hash: await wallet.deployContract({ abi: contract.abi, bytecode: contract.bytecode, chain: null }),
    pollingInterval: 50,
  });
  const bondingManager = receipt.contractAddress!;
  const pool: Address[] = [getAddress(`0x${'c3'.repeat(20)}`), getAddress(`0x${'d4'.repeat(20)}`)];
  await reader.waitForTransactionReceipt({
    hash: await wallet.writeContract({ address: bondingManager, abi: contract.abi, functionName: 'setPool', args: [pool], chain: null }),
    pollingInterval: 50,
  });

  const { gw, events } = await start({ ORCHESTRATOR_SOURCE: 'chain', BONDING_MANAGER_ADDRESS: bondingManager });
  try {
    await waitFor(() => events.some((e) => e.type === 'orchestrators.sync' && e.outcome === 'ok'), 20_000, 'a good sync');
    const inSet = await gw.database.db.map('SELECT address FROM orchestrators WHERE in_set ORDER BY address', [], (r: { address: string }) => r.address);
    assert.equal(inSet, pool.map((a) => a.toLowerCase()).sort());
    const reads = events.filter((e) => e.type === 'upstream.attempt' && e.requestId.startsWith('orchestrator-sync-'));
    assert.ok(reads.some((e) => e.type === 'upstream.attempt' && e.method === 'eth_call' && e.node === 'l2node'), 'read through the pool');
  } finally {
    await gw.stop();
  }
});

test.run();
