import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { KNOWN_METHODS } from '../../gateway/src/evm/methods.ts';
import { methodLabel } from '../../gateway/src/telemetry/methodLabel.ts';

test('a standard eth_/net_/web3_ method is its own label', () => {
  for (const m of ['eth_call', 'eth_getLogs', 'eth_blockNumber', 'eth_chainId', 'net_version', 'web3_clientVersion', 'eth_sendRawTransaction']) {
    assert.is(methodLabel(m), m);
  }
});

test('anything else becomes other: vendor methods, typos, case variants, garbage and key-like text', () => {
  for (const m of ['arbtrace_block', 'eth_Call', 'eth_call ', 'ETH_CALL', '', 'batch', 'invalid', '/api/q3Jx0d5yqk2m1Zb7n8v6c4x2z0a9s8d7f6g5h4j3k2l/l2', 'x'.repeat(10_000)]) {
    assert.is(methodLabel(m), 'other', m.slice(0, 40));
  }
});

test('the known set is closed and small enough to be a label', () => {
  assert.ok(KNOWN_METHODS.size > 40 && KNOWN_METHODS.size < 100);
  for (const m of KNOWN_METHODS) assert.match(m, /^(eth|net|web3)_[A-Za-z0-9]+$/);
});

test.run();
