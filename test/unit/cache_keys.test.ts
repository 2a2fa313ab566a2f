import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { requestPolicy } from '../../gateway/src/cache/policy.ts';

const a = 'ab'.repeat(20);
const h = 'cd'.repeat(32);
const A = `0x${a}`;
const A_MIXED = `0x${'aB'.repeat(20)}`;
const H = `0x${h}`;
const H_UPPER = `0x${h.toUpperCase()}`;

const key = (method: string, params: unknown) => {
  const k = requestPolicy(method, params).key;
  assert.type(k, 'string', `${method} ${JSON.stringify(params)} has a key`);
  return k as string;
};

// Pairs that mean the same call on every client: one key.
const SAME: Array<[string, string, unknown, unknown]> = [
  ['object keys in another order', 'eth_call', [{ to: A, data: '0x01' }, 'latest'], [{ data: '0x01', to: A }, 'latest']],
  ['address case (checksum) in a call object', 'eth_call', [{ to: A_MIXED }, '0x1'], [{ to: A }, '0x1']],
  ['address case in a state read', 'eth_getBalance', [A_MIXED, '0x1'], [A, '0x1']],
  ['hash case in a block lookup', 'eth_getBlockByHash', [H_UPPER, false], [H, false]],
  ['hash case in a receipt lookup', 'eth_getTransactionReceipt', [H_UPPER], [H]],
  ['leading zeros in a block number', 'eth_getBlockByNumber', ['0x0064', false], ['0x64', false]],
  ['hex digit case in a block number', 'eth_getBlockByNumber', ['0xAB', false], ['0xab', false]],
  ['leading zeros in a call value', 'eth_call', [{ to: A, value: '0x00ff' }, '0x1'], [{ to: A, value: '0xFF' }, '0x1']],
  ['leading zeros in a storage slot', 'eth_getStorageAt', [A, '0x' + '0'.repeat(64), '0x1'], [A, '0x0', '0x1']],
  ['leading zeros in a tx index', 'eth_getTransactionByBlockNumberAndIndex', ['0x1', '0x01'], ['0x1', '0x1']],
  ['{blockNumber} and the plain number', 'eth_getBalance', [A, { blockNumber: '0x10' }], [A, '0x10']],
  ['{blockNumber: latest} and latest', 'eth_getBalance', [A, { blockNumber: 'latest' }], [A, 'latest']],
  ['{blockHash} with requireCanonical false and without it', 'eth_getCode', [A, { blockHash: H, requireCanonical: false }], [A, { blockHash: H_UPPER }]],
  ['data case in eth_call input', 'eth_call', [{ to: A, input: '0xABCDEF' }, '0x1'], [{ to: A, input: '0xabcdef' }, '0x1']],
  ['null call fields and absent ones', 'eth_call', [{ to: A, from: null, data: '0x' }, '0x1'], [{ to: A, data: '0x' }, '0x1']],
  ['log filter key order, address and topic case', 'eth_getLogs', [{ toBlock: '0x2', fromBlock: '0x01', address: A_MIXED, topics: [H_UPPER, null] }], [{ fromBlock: '0x1', toBlock: '0x2', address: A, topics: [H, null] }]],
  ['log filter null field and absent field', 'eth_getLogs', [{ fromBlock: '0x1', toBlock: '0x2', address: null }], [{ fromBlock: '0x1', toBlock: '0x2' }]],
  ['fee history count as number and as hex', 'eth_feeHistory', [10, 'latest', [50]], ['0xa', 'latest', [50]]],
  ['absent params and empty params', 'eth_chainId', undefined, []],
];

// Pairs that may differ on some client or in their answer: two keys.
const DIFFERENT: Array<[string, string, unknown, unknown]> = [
  ['different blocks', 'eth_getBlockByNumber', ['0x1', false], ['0x2', false]],
  ['full transactions or not', 'eth_getBlockByNumber', ['0x1', true], ['0x1', false]],
  ['a missing full-tx flag is not filled in (some clients require it)', 'eth_getBlockByNumber', ['0x1'], ['0x1', false]],
  ['earliest is not folded into 0x0 (pruned nodes)', 'eth_getBalance', [A, 'earliest'], [A, '0x0']],
  ['an omitted block is not folded into latest (some clients require it)', 'eth_getBalance', [A], [A, 'latest']],
  ['latest and safe', 'eth_getBalance', [A, 'latest'], [A, 'safe']],
  ['requireCanonical true and false', 'eth_getCode', [A, { blockHash: H, requireCanonical: true }], [A, { blockHash: H }]],
  ['leading zero bytes of call data are content', 'eth_call', [{ to: A, data: '0x0001' }, '0x1'], [{ to: A, data: '0x01' }, '0x1']],
  ['data and input are different fields', 'eth_call', [{ to: A, data: '0x01' }, '0x1'], [{ to: A, input: '0x01' }, '0x1']],
  ['storage keys of a proof are echoed back, so kept as given', 'eth_getProof', [A, ['0x01'], '0x1'], [A, ['0x1'], '0x1']],
  ['unknown call fields are kept', 'eth_call', [{ to: A, accessList: [] }, '0x1'], [{ to: A }, '0x1']],
  ['state overrides are part of the key', 'eth_call', [{ to: A }, '0x1', { [A]: { balance: '0x1' } }], [{ to: A }, '0x1']],
  ['topic order matters', 'eth_getLogs', [{ fromBlock: '0x1', toBlock: '0x2', topics: [H, null] }], [{ fromBlock: '0x1', toBlock: '0x2', topics: [null, H] }]],
  ['same params, different method', 'eth_getTransactionReceipt', [H], [H]],
];

for (const [what, method, p1, p2] of SAME) {
  test(`one key for: ${what}`, () => assert.is(key(method, p1), key(method, p2)));
}

for (const [what, method, p1, p2] of DIFFERENT) {
  test(`two keys for: ${what}`, () => {
    const other = what.startsWith('same params') ? 'eth_getTransactionByHash' : method;
    assert.is.not(key(method, p1), key(other, p2));
  });
}

test('a key never depends on the request id or anything outside method and params', () => {
  assert.is(key('eth_chainId', []), 'eth_chainId:[]');
  assert.ok(key('eth_getBalance', [A, '0x1']).startsWith('eth_getBalance:'));
});

test('a __proto__ field makes a call uncacheable instead of vanishing from the key', () => {
  const params = JSON.parse(`[{"to":"${A}","__proto__":{"x":1}},"0x1"]`) as unknown;
  assert.is(requestPolicy('eth_call', params).tier, 'never');
  const logs = JSON.parse(`[{"fromBlock":"0x1","toBlock":"0x2","__proto__":{}}]`) as unknown;
  assert.is(requestPolicy('eth_getLogs', logs).tier, 'never');
});

test.run();
