import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  blockNumberParam,
  classifyHttpStatus,
  classifyRpcError,
  classifyTransport,
  decide,
  isWrite,
  repeatable,
  type AttemptResult,
} from '../../gateway/src/upstream/classify.ts';

const ok = (value: unknown): AttemptResult => ({ ok: true, outcome: { kind: 'result', raw: JSON.stringify(value), value } });
const rpcErr = (code: number, message: string): AttemptResult => ({ ok: true, outcome: { kind: 'error', error: { code, message } } });
const fail = (failure: Extract<AttemptResult, { ok: false }>['failure'], reached: boolean): AttemptResult => ({
  ok: false,
  failure,
  reached,
  detail: failure,
});

// [code, message, retry, hurtsHealth, failure class]; transient (the node as a whole is busy) is checked below
const RPC_ERRORS: Array<[number, string, boolean, boolean, string]> = [
  [3, 'execution reverted: not enough stake', false, false, 'rpc_error'],
  [-32000, 'execution reverted', false, false, 'rpc_error'],
  [-32000, 'execution reverted: rate limit exceeded', false, false, 'rpc_error'],
  [-32602, 'invalid argument 0: hex string without 0x prefix', false, false, 'rpc_error'],
  [-32000, 'nonce too low', false, false, 'rpc_error'],
  [-32000, 'insufficient funds for gas * price + value', false, false, 'rpc_error'],
  [-32000, 'already known', false, false, 'rpc_error'],
  [-32000, 'replacement transaction underpriced', false, false, 'rpc_error'],
  [-32000, 'intrinsic gas too low', false, false, 'rpc_error'],
  [-32000, 'some error nobody has seen before', false, false, 'rpc_error'],
  [-32601, 'the method eth_foo does not exist/is not available', true, false, 'rpc_error'],
  [-32004, 'method not supported', true, false, 'rpc_error'],
  [-32000, 'header not found', true, true, 'node_state'],
  // Pruned state: an archive node may answer; the full node is as healthy as before for everything else.
  [-32000, 'missing trie node 1234abcd (path )', true, false, 'node_state'],
  [-32000, 'historical state not available in path scheme yet', true, false, 'node_state'],
  [-32603, 'missing trie node abc', true, false, 'node_state'],
  [-32000, 'unknown block', true, true, 'node_state'],
  [-32603, 'internal error', true, true, 'node_state'],
  [-32002, 'resource unavailable', true, true, 'node_state'],
  [-32005, 'query returned more than 10000 results', true, false, 'node_state'],
  [-32000, 'block range too large', true, false, 'node_state'],
  [-32005, 'limit exceeded', true, true, 'node_state'],
  [-32000, 'Too Many Requests', true, true, 'node_state'],
  [-32000, 'rate limit reached, try again later', true, true, 'node_state'],
  [-32000, 'request timed out', true, true, 'node_state'],
  [-32000, 'node is not synced', true, true, 'node_state'],
  [-32000, 'syncing', true, true, 'node_state'],
];

for (const [code, message, retry, hurts, failure] of RPC_ERRORS) {
  test(`JSON-RPC error ${code} "${message}" is ${retry ? 'retried on the next node' : 'returned as it is'}${hurts ? ' and counts against the node' : ''}`, () => {
    const c = classifyRpcError({ code, message });
    assert.equal({ failure: c.failure, retry: c.retry, hurtsHealth: c.hurtsHealth }, { failure, retry, hurtsHealth: hurts });
  });
}

test('only a busy node (throttled, syncing, timing out) is transient; a node lacking data is not', () => {
  for (const message of ['limit exceeded', 'Too Many Requests', 'rate limit reached, try again later', 'request timed out', 'node is not synced', 'syncing']) {
    assert.ok(classifyRpcError({ code: -32000, message }).transient, message);
  }
  for (const message of ['header not found', 'missing trie node 12', 'unknown block', 'execution reverted', 'block range too large']) {
    assert.not.ok(classifyRpcError({ code: -32000, message }).transient, message);
  }
});

test('transport errors before the connection exists never reached the node', () => {
  for (const code of ['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'ERR_TLS_CERT_ALTNAME_INVALID', undefined]) {
    assert.equal(classifyTransport(code, false), { failure: 'connect', reached: false }, String(code));
  }
});

test('transport errors after the connection exists may have reached the node', () => {
  assert.equal(classifyTransport('ETIMEDOUT', true), { failure: 'timeout', reached: true });
  assert.equal(classifyTransport('ECONNRESET', true), { failure: 'transport', reached: true });
  assert.equal(classifyTransport('HPE_INVALID_CONSTANT', true), { failure: 'malformed', reached: true });
});

test('HTTP statuses map to their failure classes, 2xx to none', () => {
  assert.is(classifyHttpStatus(200), undefined);
  assert.is(classifyHttpStatus(204), undefined);
  assert.is(classifyHttpStatus(429), 'http_429');
  assert.is(classifyHttpStatus(500), 'http_5xx');
  assert.is(classifyHttpStatus(503), 'http_5xx');
  assert.is(classifyHttpStatus(401), 'http_other');
  assert.is(classifyHttpStatus(302), 'http_other');
});

test('a result is returned and counts as the node being well', () => {
  assert.equal(decide('eth_chainId', [], ok('0xa4b1')), { next: 'return', outcome: 'ok', health: 'success' });
});

test('every transport, HTTP and body failure of a read moves to the next node and counts against the node', () => {
  for (const f of ['connect', 'timeout', 'transport', 'http_5xx', 'http_429', 'http_other', 'malformed'] as const) {
    const d = decide('eth_getBalance', ['0x00', 'latest'], fail(f, f !== 'connect'));
    assert.is(d.next, 'retry', f);
    assert.is(d.outcome, f);
    assert.is(d.health, 'failure');
  }
});

test('a write moves to the next node only when it never reached the first', () => {
  assert.is(decide('eth_sendRawTransaction', ['0x01'], fail('connect', false)).next, 'retry');
  for (const f of ['timeout', 'transport', 'http_5xx', 'http_429', 'malformed'] as const) {
    assert.is(decide('eth_sendRawTransaction', ['0x01'], fail(f, true)).next, 'stop', f);
  }
});

test('a write that a node answered with an error is returned as it is, even a node-state error', () => {
  const d = decide('eth_sendRawTransaction', ['0x01'], rpcErr(-32000, 'nonce too low'));
  assert.is(d.next, 'return');
  assert.is(d.outcome, 'rpc_error');
  assert.is(decide('eth_sendRawTransaction', ['0x01'], rpcErr(-32005, 'limit exceeded')).next, 'return');
});

test('a write the node does not know as a method may go to the next node: it was not processed', () => {
  assert.is(decide('eth_sendRawTransaction', ['0x01'], rpcErr(-32601, 'method not found')).next, 'retry');
});

test('a deterministic JSON-RPC error is returned with its code on the attempt', () => {
  const d = decide('eth_call', [{}, 'latest'], rpcErr(3, 'execution reverted'));
  assert.equal(d, { next: 'return', outcome: 'rpc_error', health: 'success', errorCode: 3, detail: 'rpc 3' });
});

test('a node-state error of a read moves on and counts against the node (the member got nothing there), as a rate limit does', () => {
  const behind = decide('eth_call', [{}, '0x10'], rpcErr(-32000, 'header not found'));
  assert.equal([behind.next, behind.outcome, behind.health], ['retry', 'node_state', 'failure']);
  const limited = decide('eth_call', [{}, '0x10'], rpcErr(-32005, 'limit exceeded'));
  assert.equal([limited.next, limited.outcome, limited.health], ['retry', 'node_state', 'failure']);
});

test('a null block at or below the best head means the node is behind: next node', () => {
  const d = decide('eth_getBlockByNumber', ['0x64', false], ok(null), { bestHead: 100 });
  assert.equal([d.next, d.outcome, d.health], ['retry', 'node_state', 'failure']);
  assert.is(decide('eth_getBlockByNumber', ['0x63', false], ok(null), { bestHead: 100 }).next, 'retry');
});

test('a null block above the best head, by tag, or with no head known is returned as it is', () => {
  assert.is(decide('eth_getBlockByNumber', ['0x65', false], ok(null), { bestHead: 100 }).next, 'return');
  assert.is(decide('eth_getBlockByNumber', ['latest', false], ok(null), { bestHead: 100 }).next, 'return');
  assert.is(decide('eth_getBlockByNumber', ['0x01', false], ok(null), {}).next, 'return');
  assert.is(decide('eth_getTransactionReceipt', ['0x01'], ok(null), { bestHead: 100 }).next, 'return');
});

test('block number params are read from hex quantities only', () => {
  assert.is(blockNumberParam(['0x10', false]), 16);
  assert.is(blockNumberParam(['latest']), undefined);
  assert.is(blockNumberParam(['16']), undefined);
  assert.is(blockNumberParam({ 0: '0x10' }), undefined);
  assert.is(blockNumberParam(['0x' + 'f'.repeat(20)]), undefined);
});

test('writes are the transaction-sending methods', () => {
  assert.ok(isWrite('eth_sendRawTransaction'));
  assert.not.ok(isWrite('eth_call'));
  assert.not.ok(isWrite('eth_estimateGas'));
});

test('only brief glitches may be repeated on the same node within one call', () => {
  assert.ok(repeatable('http_5xx'));
  assert.ok(repeatable('transport'));
  assert.not.ok(repeatable('timeout'));
  assert.not.ok(repeatable('connect'));
  assert.not.ok(repeatable('http_429'));
  assert.not.ok(repeatable('node_state'));
});

test.run();
