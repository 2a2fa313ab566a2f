import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { redactApiKeys } from '../../gateway/src/common/redact.ts';

const key = 'q3Jx0d5yqk2m1Zb7n8v6c4x2z0a9s8d7f6g5h4j3k2l';

test('redacts the key segment of a gateway path', () => {
  assert.is(redactApiKeys(`POST /api/${key}/l2`), 'POST /api/<redacted>/l2');
});

test('redacts keys inside full URLs, query strings and JSON', () => {
  const out = redactApiKeys(`{"url":"https://gw.example/api/${key}/l1?x=1","again":"/api/${key}"}`);
  assert.not.ok(out.includes(key));
  assert.is(out, '{"url":"https://gw.example/api/<redacted>/l1?x=1","again":"/api/<redacted>"}');
});

test('leaves text without a key path alone', () => {
  assert.is(redactApiKeys('GET /status 200'), 'GET /status 200');
});

test.run();
