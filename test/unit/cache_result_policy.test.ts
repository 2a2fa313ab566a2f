import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { requestPolicy, resultPolicy, revealedHeight, type ChainView, type ResultDecision } from '../../gateway/src/cache/policy.ts';
import type { CallOutcome } from '../../gateway/src/rpc/types.ts';

const A = '0x' + 'ab'.repeat(20);
const H = '0x' + 'cd'.repeat(32);
const OTHER = '0x' + '99'.repeat(32);
const TX = '0x' + 'ef'.repeat(32);
const hex = (n: number) => `0x${n.toString(16)}`;

const ok = (value: unknown): CallOutcome => ({ kind: 'result', raw: JSON.stringify(value), value });
const CHAIN: ChainView = { head: 200, finalized: 100 };

function decide(method: string, params: unknown[], outcome: CallOutcome, chain: ChainView = CHAIN): ResultDecision {
  return resultPolicy(method, params, requestPolicy(method, params), outcome, chain);
}

const FINAL: ResultDecision = { store: true, tier: 'final' };
const HEAD: ResultDecision = { store: true, tier: 'head' };
const STATIC: ResultDecision = { store: true, tier: 'static' };
const NO: ResultDecision = { store: false };

const block = (n: number, hash = H) => ({ number: hex(n), hash, transactions: [] });
const receipt = (n: number | null, txHash = TX) => ({ transactionHash: txHash, blockNumber: n === null ? null : hex(n), status: '0x1' });
const tx = (n: number | null) => ({ hash: TX, blockNumber: n === null ? null : hex(n) });
const log = (n: number, blockHash = H) => ({ blockNumber: hex(n), blockHash, data: '0x' });

// [what, method, params, outcome, chain, expected]
const CASES: Array<[string, string, unknown[], CallOutcome, ChainView, ResultDecision]> = [
  ['chain id is stored forever', 'eth_chainId', [], ok('0xa4b1'), CHAIN, STATIC],
  ['an error is never stored, even for a static method', 'eth_chainId', [], { kind: 'error', error: { code: -32000, message: 'x' } }, CHAIN, NO],
  ['an error at a final block is not stored', 'eth_getBlockByNumber', ['0x1', false], { kind: 'error', error: { code: -32000, message: 'header not found' } }, CHAIN, NO],
  ['block number is head-keyed', 'eth_blockNumber', [], ok('0xc8'), CHAIN, HEAD],
  ['a call at latest is head-keyed', 'eth_call', [{ to: A }, 'latest'], ok('0x'), CHAIN, HEAD],
  ['a write is never stored', 'eth_sendRawTransaction', ['0x02'], ok(TX), CHAIN, NO],
  ['a pending read is never stored', 'eth_getTransactionCount', [A, 'pending'], ok('0x1'), CHAIN, NO],
  ['gas estimation is never stored', 'eth_estimateGas', [{ to: A }], ok('0x5208'), CHAIN, NO],
  ['an unknown method is never stored', 'eth_whatever', [], ok(1), CHAIN, NO],
  // block by number
  ['a block at the finalized height is final', 'eth_getBlockByNumber', ['0x64', false], ok(block(100)), CHAIN, FINAL],
  ['a block below finalized is final', 'eth_getBlockByNumber', ['0x1', false], ok(block(1)), CHAIN, FINAL],
  ['a block above finalized is only head-keyed', 'eth_getBlockByNumber', ['0x65', false], ok(block(101)), CHAIN, HEAD],
  ['a block when finality is unknown is only head-keyed', 'eth_getBlockByNumber', ['0x1', false], ok(block(1)), { head: 200 }, HEAD],
  ['a block not there yet (null) is not stored', 'eth_getBlockByNumber', ['0x1f4', false], ok(null), CHAIN, NO],
  ['a block answer for another height is not stored', 'eth_getBlockByNumber', ['0x5', false], ok(block(6)), CHAIN, NO],
  ['earliest returning block 0 is final', 'eth_getBlockByNumber', ['earliest', false], ok(block(0)), CHAIN, FINAL],
  ['earliest returning another block (pruned node) is not stored', 'eth_getBlockByNumber', ['earliest', false], ok(block(7)), CHAIN, NO],
  ['a tx count in a final block is final', 'eth_getBlockTransactionCountByNumber', ['0x5'], ok('0x3'), CHAIN, FINAL],
  ['a tx by number and index in a final block is final', 'eth_getTransactionByBlockNumberAndIndex', ['0x5', '0x0'], ok({ blockNumber: '0x5', blockHash: H }), CHAIN, FINAL],
  ['a tx by number and index that is null is not stored', 'eth_getTransactionByBlockNumberAndIndex', ['0x5', '0x9'], ok(null), CHAIN, NO],
  // block by hash
  ['a block by hash in a final block is final', 'eth_getBlockByHash', [H, false], ok(block(50)), CHAIN, FINAL],
  ['a block by hash above finalized is only head-keyed', 'eth_getBlockByHash', [H, false], ok(block(150)), CHAIN, HEAD],
  ['a block by hash answered with another hash is not stored', 'eth_getBlockByHash', [H, false], ok(block(50, OTHER)), CHAIN, NO],
  ['a block by hash not found is not stored', 'eth_getBlockByHash', [H, false], ok(null), CHAIN, NO],
  ['a tx count by hash (height unknown) is only head-keyed', 'eth_getBlockTransactionCountByHash', [H], ok('0x1'), CHAIN, HEAD],
  ['a tx by block hash and index in a final block is final', 'eth_getTransactionByBlockHashAndIndex', [H, '0x0'], ok({ blockNumber: '0x5', blockHash: H }), CHAIN, FINAL],
  ['a state read at a block hash (height unknown) is only head-keyed', 'eth_getBalance', [A, { blockHash: H }], ok('0x1'), CHAIN, HEAD],
  // state reads by number
  ['a balance at a final block is final', 'eth_getBalance', [A, '0x64'], ok('0x1'), CHAIN, FINAL],
  ['a balance above finalized is only head-keyed', 'eth_getBalance', [A, '0x65'], ok('0x1'), CHAIN, HEAD],
  ['a call at a final block is final', 'eth_call', [{ to: A, data: '0x01' }, '0x10'], ok('0x'), CHAIN, FINAL],
  ['storage at a final block is final', 'eth_getStorageAt', [A, '0x0', '0x10'], ok('0x' + '0'.repeat(64)), CHAIN, FINAL],
  // logs
  ['logs over a final range are final', 'eth_getLogs', [{ fromBlock: '0x1', toBlock: '0x64' }], ok([log(5)]), CHAIN, FINAL],
  ['no logs over a final range is final too', 'eth_getLogs', [{ fromBlock: '0x1', toBlock: '0x64' }], ok([]), CHAIN, FINAL],
  ['logs over a range ending above finalized are only head-keyed', 'eth_getLogs', [{ fromBlock: '0x1', toBlock: '0x65' }], ok([]), CHAIN, HEAD],
  ['logs by block hash in a final block are final', 'eth_getLogs', [{ blockHash: H }], ok([log(5)]), CHAIN, FINAL],
  ['no logs by block hash (height unknown, maybe a lagging node) are only head-keyed', 'eth_getLogs', [{ blockHash: H }], ok([]), CHAIN, HEAD],
  ['logs by block hash from another block are not stored', 'eth_getLogs', [{ blockHash: H }], ok([log(5, OTHER)]), CHAIN, NO],
  ['logs answered with null are not stored', 'eth_getLogs', [{ fromBlock: '0x1', toBlock: '0x2' }], ok(null), CHAIN, NO],
  ['block receipts of a final block are final', 'eth_getBlockReceipts', ['0x5'], ok([{ blockNumber: '0x5', blockHash: H }]), CHAIN, FINAL],
  // result-addressed
  ['a receipt in a finalized block is final', 'eth_getTransactionReceipt', [TX], ok(receipt(90)), CHAIN, FINAL],
  ['a receipt above finalized is only head-keyed', 'eth_getTransactionReceipt', [TX], ok(receipt(150)), CHAIN, HEAD],
  ['a receipt when finality is unknown is only head-keyed', 'eth_getTransactionReceipt', [TX], ok(receipt(1)), {}, HEAD],
  ['a receipt not found yet (null) is not stored', 'eth_getTransactionReceipt', [TX], ok(null), CHAIN, NO],
  ['a receipt for another transaction is not stored', 'eth_getTransactionReceipt', [TX], ok(receipt(90, OTHER)), CHAIN, NO],
  ['a receipt without a block number is not stored', 'eth_getTransactionReceipt', [TX], ok(receipt(null)), CHAIN, NO],
  ['a mined transaction in a final block is final', 'eth_getTransactionByHash', [TX], ok(tx(100)), CHAIN, FINAL],
  ['a pending transaction (blockNumber null) is not stored', 'eth_getTransactionByHash', [TX], ok(tx(null)), CHAIN, NO],
  ['a transaction not found is not stored', 'eth_getTransactionByHash', [TX], ok(null), CHAIN, NO],
  ['a transaction answer that is not an object is not stored', 'eth_getTransactionByHash', [TX], ok('0x1'), CHAIN, NO],
];

for (const [what, method, params, outcome, chain, expected] of CASES) {
  test(what, () => assert.equal(decide(method, params, outcome, chain), expected));
}

test('finality moving up turns a head-keyed answer into a final one', () => {
  const params = ['0x96', false];
  const outcome = ok(block(150));
  assert.equal(decide('eth_getBlockByNumber', params, outcome, { head: 200, finalized: 149 }), HEAD);
  assert.equal(decide('eth_getBlockByNumber', params, outcome, { head: 210, finalized: 150 }), FINAL);
});


test('revealedHeight reads the highest block an answer shows, and nothing from answers that show none', () => {
  assert.is(revealedHeight('eth_blockNumber', '0x1f'), 31);
  assert.is(revealedHeight('eth_getBlockByNumber', block(7)), 7);
  assert.is(revealedHeight('eth_getBlockByHash', block(8)), 8);
  assert.is(revealedHeight('eth_getTransactionReceipt', receipt(9)), 9);
  assert.is(revealedHeight('eth_getTransactionByHash', tx(10)), 10);
  assert.is(revealedHeight('eth_getLogs', [log(3), log(11)]), 11);
  assert.is(revealedHeight('eth_getTransactionReceipt', receipt(null)), undefined, 'pending');
  assert.is(revealedHeight('eth_getLogs', []), undefined);
  assert.is(revealedHeight('eth_getBlockByNumber', null), undefined);
  assert.is(revealedHeight('eth_blockNumber', 'garbage'), undefined);
  assert.is(revealedHeight('eth_getBalance', '0x10'), undefined, 'a balance is not a height');
});

test.run();
