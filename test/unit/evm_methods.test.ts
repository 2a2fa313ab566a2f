// The method table is the one place that knows each method; these tests pin down what the rest of the
// gateway relies on it for, and that every field is read the same way by validation and by the cache.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { requestPolicy } from '../../gateway/src/cache/policy.ts';
import { callObject, canonicalCallObject } from '../../gateway/src/evm/callObject.ts';
import { DEFAULT_DENY, KNOWN_METHODS, methodSpec } from '../../gateway/src/evm/methods.ts';
import { paramsProblem } from '../../gateway/src/evm/params.ts';

const A = `0x${'ab'.repeat(20)}`;

test('names from Object.prototype are not methods: the table never finds JavaScript built-ins', () => {
  for (const name of ['valueOf', 'hasOwnProperty', 'toString', 'constructor', '__proto__', 'isPrototypeOf', 'toLocaleString']) {
    assert.is(methodSpec(name), undefined, name);
    assert.not.ok(KNOWN_METHODS.has(name), name);
    assert.equal(requestPolicy(name, []), { tier: 'never', coalesce: false }, name);
  }
});

test('every call-object field is checked and canonicalised alike: a value one refuses, the other cannot key', () => {
  const fields = ['from', 'to', 'gas', 'gasPrice', 'maxFeePerGas', 'maxPriorityFeePerGas', 'maxFeePerBlobGas', 'value', 'nonce', 'type', 'chainId', 'data', 'input'];
  for (const field of fields) {
    const bad = { to: A, [field]: 12 }; // a JSON number where hex is required
    assert.type(callObject(bad), 'string', `${field}: a number is refused`);
    assert.is(canonicalCallObject(bad), undefined, `${field}: a number makes the call uncacheable`);
  }
  assert.is(callObject({ to: A, type: '0x2', chainId: '0xa4b1', maxFeePerBlobGas: '0x1' }), undefined);
  assert.equal(canonicalCallObject({ to: A, type: '0x02', chainId: '0xA4B1' }), { to: A, type: '0x2', chainId: '0xa4b1' });
  assert.is(callObject({ to: A, accessList: [] }), undefined, 'fields we do not read are the node\'s to judge');
});

test('eth_call with a malformed typed-transaction field is refused before a node sees it', () => {
  const shape = methodSpec('eth_call')!.params!;
  assert.match(paramsProblem('eth_call', shape, [{ to: A, type: 2 }, 'latest'])!, /param 1: type: expected a hex quantity/);
  assert.is(paramsProblem('eth_call', shape, [{ to: A, type: '0x2' }, 'latest']), undefined);
});

test('writes are never cached nor shared in flight, and are marked as writes', () => {
  for (const m of ['eth_sendRawTransaction', 'eth_sendTransaction', 'eth_sendRawTransactionConditional', 'eth_sendBundle']) {
    assert.ok(methodSpec(m)!.write, m);
    assert.is(methodSpec(m)!.cache, undefined, m);
  }
});

test('the default deny list is the denied namespaces and the methods the table marks denied', () => {
  for (const ns of ['admin_*', 'debug_*', 'personal_*', 'anvil_*', 'evm_*']) assert.ok(DEFAULT_DENY.includes(ns), ns);
  for (const m of KNOWN_METHODS) assert.is(DEFAULT_DENY.includes(m), methodSpec(m)!.denied === true, m);
  assert.not.ok(DEFAULT_DENY.includes('eth_sendRawTransaction'));
});

test('a null answer means "behind" only for lookups by block number, and only eth_getLogs has the long timeout', () => {
  const behind = [...KNOWN_METHODS].filter((m) => methodSpec(m)!.nullMeansBehind).sort();
  assert.equal(behind, ['eth_getBlockByNumber', 'eth_getBlockReceipts', 'eth_getBlockTransactionCountByNumber']);
  assert.equal([...KNOWN_METHODS].filter((m) => methodSpec(m)!.timeout === 'logs'), ['eth_getLogs']);
});

test('a method whose answer names its block has a cache rule to key it by', () => {
  for (const m of KNOWN_METHODS) {
    const spec = methodSpec(m)!;
    if (spec.answer || spec.reveals) assert.ok(spec.cache, m);
  }
});

test.run();
