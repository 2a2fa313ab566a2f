import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { rawIds } from '../../gateway/src/rpc/rawIds.ts';

test('the raw id of a single call, wherever the member is in the object', () => {
  assert.equal(rawIds('{"jsonrpc":"2.0","id":123456789012345678901234567890,"method":"x"}'), ['123456789012345678901234567890']);
  assert.equal(rawIds(' { "method" : "x" , "id" : "a\\"b" } '), ['"a\\"b"']);
  assert.equal(rawIds('{"id":null}'), ['null']);
  assert.equal(rawIds('{"method":"x"}'), [undefined]);
  assert.equal(rawIds('{}'), [undefined]);
});

test('the last id wins, as in JSON.parse, and a key written with escapes is still "id"', () => {
  assert.equal(rawIds('{"id":1,"id":2}'), ['2']);
  assert.equal(rawIds('{"\\u0069d":7}'), ['7']);
  assert.equal(rawIds('{"idx":1,"params":{"id":9}}'), [undefined], 'ids inside params are not the call\'s');
});

test('one entry per batch element, objects or not; nested values skipped whatever they hold', () => {
  const body = '[{"id":1,"params":[{"a":"]}"},[[["{"]]]]},5,"x",{"params":{"id":3}},{"id":-2.50e3}]';
  assert.equal(rawIds(body), ['1', undefined, undefined, undefined, '-2.50e3']);
  assert.equal(rawIds('[]'), []);
});

test('deep nesting does not overflow the stack', () => {
  const deep = `{"params":${'['.repeat(200_000)}${']'.repeat(200_000)},"id":42}`;
  assert.equal(rawIds(deep), ['42']);
});

test('anything else (a number, a string) has no call ids', () => {
  assert.equal(rawIds('42'), [undefined]);
  assert.equal(rawIds('"s"'), [undefined]);
});

test.run();
