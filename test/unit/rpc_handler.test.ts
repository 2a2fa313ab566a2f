import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { DEFAULT_METHOD_DENY } from '../../gateway/src/config.ts';
import { EventBus, type GatewayEvent } from '../../gateway/src/events.ts';
import { handleRpcBody, type Caller } from '../../gateway/src/rpc/handler.ts';
import { methodPolicy } from '../../gateway/src/rpc/methodPolicy.ts';
import { UpstreamUnavailableError } from '../../gateway/src/rpc/errors.ts';
import type { CallOutcome } from '../../gateway/src/rpc/types.ts';

// A caller that records what would have reached a node, and answers eth_chainId.
function recordingCaller() {
  const calls: Array<{ method: string; params: unknown }> = [];
  const caller: Caller = {
    async call(method, params): Promise<CallOutcome> {
      calls.push({ method, params });
      if (method === 'eth_fail') throw new UpstreamUnavailableError('No node of l2 could answer');
      if (method === 'eth_boom') throw new Error('unexpected');
      return { kind: 'result', raw: '"0xa4b1"', value: '0xa4b1' };
    },
  };
  return { caller, calls };
}

async function rpc(body: string, maxBatch = 5) {
  const { caller, calls } = recordingCaller();
  const bus = new EventBus();
  const events: GatewayEvent[] = [];
  bus.onAny((e) => events.push(e));
  const reply = await handleRpcBody(body, {
    network: 'l2',
    requestId: 'r1',
    bus,
    caller,
    policy: methodPolicy(DEFAULT_METHOD_DENY, []),
    maxBatch,
  });
  return { reply, calls, events, json: reply.body === null ? null : JSON.parse(reply.body) };
}

const call = (method: string, params: unknown = [], id: unknown = 1) => JSON.stringify({ jsonrpc: '2.0', id, method, params });
const A = '0x' + 'ab'.repeat(20);
const H = '0x' + 'cd'.repeat(32);

// [name, body, expected code, expected id]
const BAD_INPUT: Array<[string, string, number, unknown]> = [
  ['body that is not JSON', '{"jsonrpc":"2.0",', -32700, null],
  ['empty body', '', -32700, null],
  ['a JSON string', '"hello"', -32600, null],
  ['a JSON number', '42', -32600, null],
  ['null', 'null', -32600, null],
  ['an empty batch', '[]', -32600, null],
  ['a batch over the limit', JSON.stringify(Array.from({ length: 6 }, (_, i) => JSON.parse(call('eth_chainId', [], i)))), -32005, null],
  ['missing jsonrpc', JSON.stringify({ id: 1, method: 'eth_chainId' }), -32600, 1],
  ['jsonrpc 1.0', JSON.stringify({ jsonrpc: '1.0', id: 1, method: 'eth_chainId' }), -32600, 1],
  ['method not a string', JSON.stringify({ jsonrpc: '2.0', id: 1, method: 5 }), -32600, 1],
  ['empty method', JSON.stringify({ jsonrpc: '2.0', id: 1, method: '' }), -32600, 1],
  ['method with odd characters', JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'eth_call;drop' }), -32600, 1],
  ['params a string', JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'eth_chainId', params: 'x' }), -32600, 1],
  ['params null', JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'eth_chainId', params: null }), -32600, 1],
  ['id an object', JSON.stringify({ jsonrpc: '2.0', id: {}, method: 'eth_chainId' }), -32600, null],
  ['id a boolean', JSON.stringify({ jsonrpc: '2.0', id: true, method: 'eth_chainId' }), -32600, null],
  ['admin_ method', call('admin_peers'), -32601, 1],
  ['debug_ method', call('debug_traceTransaction', [H]), -32601, 1],
  ['personal_ method', call('personal_unlockAccount', [A, 'pw']), -32601, 1],
  ['anvil_ method', call('anvil_mine', []), -32601, 1],
  ['eth_sendTransaction (needs node-held keys)', call('eth_sendTransaction', [{ from: A }]), -32601, 1],
  ['eth_getBalance with a short address', call('eth_getBalance', ['0x1234', 'latest']), -32602, 1],
  ['eth_getBalance without params', call('eth_getBalance', []), -32602, 1],
  ['eth_getBalance with a bad block tag', call('eth_getBalance', [A, 'newest']), -32602, 1],
  ['eth_getBlockByNumber with a decimal number', call('eth_getBlockByNumber', [12, false]), -32602, 1],
  ['eth_getBlockByHash with a short hash', call('eth_getBlockByHash', ['0xabc', false]), -32602, 1],
  ['eth_getLogs with blockHash and fromBlock', call('eth_getLogs', [{ blockHash: H, fromBlock: '0x1' }]), -32602, 1],
  ['eth_getLogs with a bad topic', call('eth_getLogs', [{ fromBlock: '0x1', topics: ['0x12'] }]), -32602, 1],
  ['eth_sendRawTransaction with odd-length hex', call('eth_sendRawTransaction', ['0xabc']), -32602, 1],
  ['eth_sendRawTransaction empty', call('eth_sendRawTransaction', ['0x']), -32602, 1],
  ['eth_call with too many params', call('eth_call', [{ to: A }, 'latest', {}, {}, {}]), -32602, 1],
  ['named params for a positional method', JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'eth_getBalance', params: { address: A } }), -32602, 1],
  ['params nested 10,000 deep', `{"jsonrpc":"2.0","id":1,"method":"eth_call","params":${'['.repeat(10_000)}${']'.repeat(10_000)}}`, -32602, 1],
  ['params nested 40 deep in an unknown method', `{"jsonrpc":"2.0","id":1,"method":"foo_bar","params":[${'{"a":'.repeat(40)}1${'}'.repeat(40)}]}`, -32602, 1],
  ['params with 200,000 values', JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'eth_getLogs', params: [{ topics: [Array.from({ length: 200_000 }, () => null)] }] }), -32602, 1],
  ...['Debug_traceTransaction', 'ADMIN_nodeInfo', 'Personal_listAccounts', 'eth_SendTransaction', 'Anvil_setBalance', 'EVM_mine'].map(
    (m): [string, string, number, unknown] => [`${m} (a denied method in another case)`, call(m, []), -32601, 1],
  ),
];

for (const [name, body, code, id] of BAD_INPUT) {
  test(`bad input: ${name} -> ${code} and no upstream call`, async () => {
    const { json, calls } = await rpc(body);
    assert.equal(calls, [], 'nothing may reach a node');
    assert.is(json.jsonrpc, '2.0');
    assert.is(json.error.code, code);
    assert.is(json.id, id);
    assert.type(json.error.message, 'string');
  });
}

test('a valid call reaches the caller and is answered with the member id', async () => {
  const { json, calls } = await rpc(call('eth_chainId', [], 'abc'));
  assert.equal(json, { jsonrpc: '2.0', id: 'abc', result: '0xa4b1' });
  assert.is(calls.length, 1);
});

test('params may be omitted for a method without params', async () => {
  const { json, calls } = await rpc(JSON.stringify({ jsonrpc: '2.0', id: 7, method: 'eth_chainId' }));
  assert.is(json.result, '0xa4b1');
  assert.equal(calls[0]!.params, []);
});

test('unknown methods are not refused by the gateway: the node decides', async () => {
  const { calls } = await rpc(call('arbtrace_block', ['latest']));
  assert.is(calls.length, 1);
});

test('a batch is answered in order, each call on its own', async () => {
  const body = `[${call('eth_chainId', [], 1)},{"jsonrpc":"2.0","id":2},${call('admin_peers', [], 3)},${call('eth_chainId', [], 4)}]`;
  const { json, calls } = await rpc(body);
  assert.equal(json.map((r: { id: unknown }) => r.id), [1, 2, 3, 4]);
  assert.is(json[0].result, '0xa4b1');
  assert.is(json[1].error.code, -32600);
  assert.is(json[2].error.code, -32601);
  assert.is(json[3].result, '0xa4b1');
  assert.is(calls.length, 2);
});

test('notifications are forwarded but not answered; a batch of notifications answers nothing', async () => {
  const single = await rpc(JSON.stringify({ jsonrpc: '2.0', method: 'eth_chainId', params: [] }));
  assert.is(single.reply.body, null);
  assert.is(single.calls.length, 1);
  const batch = await rpc(`[{"jsonrpc":"2.0","method":"eth_chainId"},${call('eth_chainId', [], 9)}]`);
  assert.is(batch.json.length, 1);
  assert.is(batch.json[0].id, 9);
});

test('an upstream failure becomes its JSON-RPC error; an unexpected one a bare -32603', async () => {
  const unavailable = await rpc(call('eth_fail'));
  assert.is(unavailable.json.error.code, -32002);
  const boom = await rpc(call('eth_boom'));
  assert.equal(boom.json.error, { code: -32603, message: 'Internal error' });
  assert.ok(boom.events.some((e) => e.type === 'gateway.error'));
});

test('each call emits rpc.call with its outcome and the body emits request.received', async () => {
  const { events } = await rpc(`[${call('eth_chainId', [], 1)},${call('admin_peers', [], 2)}]`);
  const received = events.find((e) => e.type === 'request.received');
  assert.is(received?.type === 'request.received' && received.batchSize, 2);
  const rpcCalls = events.filter((e) => e.type === 'rpc.call');
  const seen = rpcCalls.map((e) => (e.type === 'rpc.call' ? `${e.method}:${e.outcome}:${e.source}` : '')).sort();
  assert.equal(seen, ['admin_peers:error:gateway', 'eth_chainId:ok:upstream']);
});

test('ids come back exactly as sent: big numbers, negative numbers, exponents, escaped strings', async () => {
  for (const id of ['123456789012345678901234567890', '-9007199254740993', '1.50', '1e2', '-0', '"\\u0041b"', '"a\\"b"', 'null']) {
    const body = `{"id":${id},"jsonrpc":"2.0","method":"eth_chainId","params":[]}`;
    const { reply } = await rpc(body);
    assert.is(reply.body, `{"jsonrpc":"2.0","id":${id},"result":"0xa4b1"}`, id);
    const refused = await rpc(`{"jsonrpc":"2.0","method":"admin_peers","params":[],"id":${id}}`);
    assert.ok(refused.reply.body!.startsWith(`{"jsonrpc":"2.0","id":${id},"error":`), id);
  }
  const batch = await rpc(`[{"jsonrpc":"2.0","id":123456789012345678901234567890,"method":"eth_chainId"},{"id" : 18446744073709551617 ,"jsonrpc":"2.0","method":"eth_chainId"}]`);
  assert.match(batch.reply.body!, /^\[\{"jsonrpc":"2.0","id":123456789012345678901234567890,.*\{"jsonrpc":"2.0","id":18446744073709551617,/);
});

test('a call that throws inside the gateway costs only its own answer: a batch is always an array', async () => {
  const { json } = await rpc(`[${call('eth_boom', [], 1)},${call('eth_chainId', [], 2)}]`);
  assert.ok(Array.isArray(json));
  assert.equal(json.map((r: { id: number }) => r.id), [1, 2]);
  assert.is(json[0].error.code, -32603);
  assert.is(json[1].result, '0xa4b1');
});

test('METHOD_ALLOW re-opens a denied method', async () => {
  const policy = methodPolicy(['debug_*'], ['debug_traceTransaction']);
  assert.ok(policy.allows('debug_traceTransaction'));
  assert.not.ok(policy.allows('debug_traceCall'));
  assert.ok(policy.allows('eth_call'));
});

test('method names of JavaScript built-ins are ordinary unknown methods: forwarded, never an internal error, alone or in a batch', async () => {
  for (const name of ['valueOf', 'hasOwnProperty', 'toString', 'constructor']) {
    const single = await rpc(call(name));
    assert.is(single.json.result, '0xa4b1', name);
    const batch = await rpc(JSON.stringify([JSON.parse(call(name, [], 1)), JSON.parse(call('eth_chainId', [], 2))]));
    assert.ok(Array.isArray(batch.json), name);
    assert.equal(batch.json.map((r: { id: number }) => r.id), [1, 2]);
    assert.is(batch.json.find((r: { error?: { code: number } }) => r.error?.code === -32603), undefined, name);
  }
});

test('a known method in another case is refused with its right spelling, never forwarded without its rules', async () => {
  const r = await rpc(call('Eth_sendRawTransaction', ['0x01']));
  assert.is(r.json.error.code, -32601);
  assert.match(r.json.error.message, /case-sensitive \(eth_sendRawTransaction\)/);
  assert.equal(r.calls, [], 'nothing reached the caller');
  assert.is((await rpc(call('eth_chainId'))).json.result, '0xa4b1', 'the right spelling still works');
});

test.run();
