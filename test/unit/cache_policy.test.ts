import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { requestPolicy, type BlockRef, type Tier } from '../../gateway/src/cache/policy.ts';

const A = '0x' + 'ab'.repeat(20);
const H = '0x' + 'cd'.repeat(32);
const T = '0x' + 'ef'.repeat(32);
const CALL = { to: A, data: '0x70a08231' };

// [what, method, params, tier, blockRef, coalesce]
type Row = [string, string, unknown, Tier, BlockRef | undefined, boolean];
const num = (n: number): BlockRef => ({ kind: 'number', number: n });
const byHash = (h: string): BlockRef => ({ kind: 'hash', hash: h });

const TABLE: Row[] = [
  // static
  ['chain id is static', 'eth_chainId', [], 'static', undefined, true],
  ['chain id without params field is static', 'eth_chainId', undefined, 'static', undefined, true],
  ['net_version is static', 'net_version', [], 'static', undefined, true],
  // head-like
  ['block number follows the head', 'eth_blockNumber', [], 'head', undefined, true],
  ['gas price follows the head', 'eth_gasPrice', [], 'head', undefined, true],
  ['priority fee follows the head', 'eth_maxPriorityFeePerGas', [], 'head', undefined, true],
  ['blob base fee follows the head', 'eth_blobBaseFee', [], 'head', undefined, true],
  ['fee history at latest follows the head', 'eth_feeHistory', ['0x4', 'latest', [25, 75]], 'head', undefined, true],
  ['fee history at a number still follows the head', 'eth_feeHistory', [4, '0x10'], 'head', undefined, true],
  ['fee history at pending is never cached', 'eth_feeHistory', ['0x4', 'pending', []], 'never', undefined, true],
  // blocks by number
  ['block by explicit number is block-addressed', 'eth_getBlockByNumber', ['0x64', false], 'block', num(100), true],
  ['block by number without the flag is block-addressed', 'eth_getBlockByNumber', ['0x64'], 'block', num(100), true],
  ['earliest block is block 0', 'eth_getBlockByNumber', ['earliest', false], 'block', num(0), true],
  ['latest block follows the head', 'eth_getBlockByNumber', ['latest', false], 'head', undefined, true],
  ['safe block follows the head', 'eth_getBlockByNumber', ['safe', true], 'head', undefined, true],
  ['finalized block follows the head', 'eth_getBlockByNumber', ['finalized', false], 'head', undefined, true],
  ['pending block is never cached', 'eth_getBlockByNumber', ['pending', false], 'never', undefined, true],
  ['tx count in a numbered block is block-addressed', 'eth_getBlockTransactionCountByNumber', ['0x5'], 'block', num(5), true],
  ['tx by number and index is block-addressed', 'eth_getTransactionByBlockNumberAndIndex', ['0x5', '0x0'], 'block', num(5), true],
  ['tx by latest and index follows the head', 'eth_getTransactionByBlockNumberAndIndex', ['latest', '0x0'], 'head', undefined, true],
  // blocks by hash
  ['block by hash is block-addressed', 'eth_getBlockByHash', [H, false], 'block', byHash(H), true],
  ['tx count by hash is block-addressed', 'eth_getBlockTransactionCountByHash', [H], 'block', byHash(H), true],
  ['tx by hash and index is block-addressed', 'eth_getTransactionByBlockHashAndIndex', [H, '0x1'], 'block', byHash(H), true],
  ['block receipts by number are block-addressed', 'eth_getBlockReceipts', ['0x7'], 'block', num(7), true],
  ['block receipts by hash object are block-addressed', 'eth_getBlockReceipts', [{ blockHash: H }], 'block', byHash(H), true],
  ['block receipts at latest follow the head', 'eth_getBlockReceipts', ['latest'], 'head', undefined, true],
  // logs
  ['logs over a numeric range are block-addressed by the top', 'eth_getLogs', [{ fromBlock: '0x10', toBlock: '0x20', address: A }], 'block', num(32), true],
  ['logs from earliest to a number are block-addressed', 'eth_getLogs', [{ fromBlock: 'earliest', toBlock: '0x20' }], 'block', num(32), true],
  ['logs with toBlock omitted run to latest: head', 'eth_getLogs', [{ fromBlock: '0x10' }], 'head', undefined, true],
  ['logs with fromBlock omitted start at latest: head', 'eth_getLogs', [{ toBlock: '0x10' }], 'head', undefined, true],
  ['logs with toBlock null run to latest: head', 'eth_getLogs', [{ fromBlock: '0x10', toBlock: null }], 'head', undefined, true],
  ['logs to finalized follow the head', 'eth_getLogs', [{ fromBlock: '0x10', toBlock: 'finalized' }], 'head', undefined, true],
  ['logs to pending are never cached', 'eth_getLogs', [{ fromBlock: '0x10', toBlock: 'pending' }], 'never', undefined, true],
  ['logs by block hash are block-addressed', 'eth_getLogs', [{ blockHash: H, topics: [T] }], 'block', byHash(H), true],
  ['logs with blockHash and a range are malformed', 'eth_getLogs', [{ blockHash: H, fromBlock: '0x1' }], 'never', undefined, false],
  ['logs with a short topic are malformed', 'eth_getLogs', [{ fromBlock: '0x1', toBlock: '0x2', topics: ['0x12'] }], 'never', undefined, false],
  ['logs with a bad address are malformed', 'eth_getLogs', [{ fromBlock: '0x1', toBlock: '0x2', address: ['0x12'] }], 'never', undefined, false],
  // state reads
  ['balance at a number is block-addressed', 'eth_getBalance', [A, '0x64'], 'block', num(100), true],
  ['balance at latest follows the head', 'eth_getBalance', [A, 'latest'], 'head', undefined, true],
  ['balance with the block omitted follows the head', 'eth_getBalance', [A], 'head', undefined, true],
  ['balance at pending is never cached', 'eth_getBalance', [A, 'pending'], 'never', undefined, true],
  ['balance at earliest is block 0', 'eth_getBalance', [A, 'earliest'], 'block', num(0), true],
  ['balance at {blockNumber} is block-addressed', 'eth_getBalance', [A, { blockNumber: '0x64' }], 'block', num(100), true],
  ['balance at {blockHash} is block-addressed', 'eth_getBalance', [A, { blockHash: H }], 'block', byHash(H), true],
  ['balance at {blockHash, requireCanonical:false} is block-addressed', 'eth_getBalance', [A, { blockHash: H, requireCanonical: false }], 'block', byHash(H), true],
  ['balance at {blockHash, requireCanonical:true} depends on the chain: head', 'eth_getBalance', [A, { blockHash: H, requireCanonical: true }], 'head', undefined, true],
  ['block object with both hash and number is malformed', 'eth_getBalance', [A, { blockHash: H, blockNumber: '0x1' }], 'never', undefined, false],
  ['block object with an unknown field is malformed', 'eth_getBalance', [A, { blockHash: H, extra: 1 }], 'never', undefined, false],
  ['requireCanonical that is not a boolean is malformed', 'eth_getBalance', [A, { blockHash: H, requireCanonical: 'yes' }], 'never', undefined, false],
  ['a 32-byte string as block (a hash to some clients) is not cached', 'eth_getBalance', [A, H], 'never', undefined, false],
  ['code at a number is block-addressed', 'eth_getCode', [A, '0x1'], 'block', num(1), true],
  ['nonce at a number is block-addressed', 'eth_getTransactionCount', [A, '0x1'], 'block', num(1), true],
  ['nonce at pending is never cached (go-livepeer nonce lookups)', 'eth_getTransactionCount', [A, 'pending'], 'never', undefined, true],
  ['storage at a number is block-addressed', 'eth_getStorageAt', [A, '0x0', '0x9'], 'block', num(9), true],
  ['proof at a number is block-addressed', 'eth_getProof', [A, [H], '0x9'], 'block', num(9), true],
  ['eth_call at a number is block-addressed', 'eth_call', [CALL, '0x9'], 'block', num(9), true],
  ['eth_call at latest follows the head', 'eth_call', [CALL, 'latest'], 'head', undefined, true],
  ['eth_call without a block follows the head', 'eth_call', [CALL], 'head', undefined, true],
  ['eth_call with a null block follows the head', 'eth_call', [CALL, null], 'head', undefined, true],
  ['eth_call with state overrides at a number is block-addressed', 'eth_call', [CALL, '0x9', { [A]: { balance: '0x1' } }], 'block', num(9), true],
  ['eth_call at a block hash is block-addressed', 'eth_call', [CALL, { blockHash: H }], 'block', byHash(H), true],
  ['eth_call at pending is never cached', 'eth_call', [CALL, 'pending'], 'never', undefined, true],
  ['eth_call with a bad to address is malformed', 'eth_call', [{ to: '0x12' }, 'latest'], 'never', undefined, false],
  ['eth_call with odd-length data is malformed', 'eth_call', [{ to: A, data: '0xabc' }, 'latest'], 'never', undefined, false],
  ['eth_call with a call object that is an array is malformed', 'eth_call', [[A], 'latest'], 'never', undefined, false],
  // by what the answer says
  ['a receipt is result-addressed', 'eth_getTransactionReceipt', [T], 'result', undefined, true],
  ['a transaction by hash is result-addressed', 'eth_getTransactionByHash', [T], 'result', undefined, true],
  ['a receipt for a short hash is malformed', 'eth_getTransactionReceipt', ['0x12'], 'never', undefined, false],
  // never
  ['a raw transaction is a write: never, not coalesced', 'eth_sendRawTransaction', ['0x02f8'], 'never', undefined, false],
  ['eth_sendTransaction is a write: never, not coalesced', 'eth_sendTransaction', [{ from: A }], 'never', undefined, false],
  ['gas estimation is never stored but shared in flight', 'eth_estimateGas', [CALL], 'never', undefined, true],
  ['syncing is node-specific', 'eth_syncing', [], 'never', undefined, true],
  ['peer count is node-specific', 'net_peerCount', [], 'never', undefined, true],
  ['client version is node-specific', 'web3_clientVersion', [], 'never', undefined, true],
  ['net_listening is node-specific', 'net_listening', [], 'never', undefined, true],
  ['a new filter is stateful: never, not coalesced', 'eth_newFilter', [{ fromBlock: '0x1' }], 'never', undefined, false],
  ['filter changes are stateful: never, not coalesced', 'eth_getFilterChanges', ['0x1'], 'never', undefined, false],
  ['subscriptions are never cached', 'eth_subscribe', ['newHeads'], 'never', undefined, false],
  ['an unknown method is never cached nor coalesced', 'eth_somethingNew', [], 'never', undefined, false],
  ['a method named like an Object prototype key is unknown', 'constructor', [], 'never', undefined, false],
  // malformed shapes
  ['named params for a positional method are malformed', 'eth_getBalance', { address: A }, 'never', undefined, false],
  ['too many params are malformed', 'eth_getBlockByNumber', ['0x1', false, 1], 'never', undefined, false],
  ['static method with params is malformed', 'eth_chainId', [1], 'never', undefined, false],
  ['a decimal block number is malformed', 'eth_getBlockByNumber', [12, false], 'never', undefined, false],
  ['a decimal string block is malformed', 'eth_getBlockByNumber', ['12', false], 'never', undefined, false],
  ['an unknown block tag is malformed', 'eth_getBlockByNumber', ['newest', false], 'never', undefined, false],
  ['a block number beyond 64 bits is malformed', 'eth_getBlockByNumber', ['0x1' + '0'.repeat(16), false], 'never', undefined, false],
  ['a non-boolean full-tx flag is malformed', 'eth_getBlockByNumber', ['0x1', 'yes'], 'never', undefined, false],
  ['an uppercase 0X prefix is not read', 'eth_getBlockByNumber', ['0X1', false], 'never', undefined, false],
  ['storage keys that are not strings are malformed', 'eth_getProof', [A, [1], '0x1'], 'never', undefined, false],
  ['fee history percentiles that are not numbers are malformed', 'eth_feeHistory', ['0x4', 'latest', ['a']], 'never', undefined, false],
];

for (const [what, method, params, tier, blockRef, coalesce] of TABLE) {
  test(what, () => {
    const p = requestPolicy(method, params);
    assert.is(p.tier, tier, `tier of ${method} ${JSON.stringify(params)}`);
    assert.equal(p.blockRef, blockRef, 'blockRef');
    assert.is(p.coalesce, coalesce, 'coalesce');
    if (coalesce) assert.type(p.key, 'string');
    else assert.is(p.key, undefined);
  });
}

test('params nested too deep to serialize are not cached, and do not throw', () => {
  let deep: unknown = 1;
  for (let i = 0; i < 200_000; i++) deep = [deep];
  const p = requestPolicy('eth_call', [{ to: A, extra: deep }, 'latest']);
  assert.is(p.tier, 'never');
  assert.is(p.coalesce, false);
});

test.run();
