// The NOTIFY payload that carries key changes between replicas: what it keeps, what it drops, its size bound.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { decodeKeyChange, encodeKeyChange } from '../../gateway/src/store/keyChanges.ts';

const A = `0x${'ab'.repeat(20)}`;

test('key ids and member addresses round-trip; addresses are lower-cased', () => {
  const payload = encodeKeyChange({ keyIds: ['7', '12'], address: A.toUpperCase().replace('0X', '0x'), addresses: [A] });
  assert.equal(decodeKeyChange(payload), { keyIds: ['7', '12'], addresses: [A, A] });
});

test('nothing to announce gives no payload; "all" stays "all"', () => {
  assert.is(encodeKeyChange({}), undefined);
  assert.is(encodeKeyChange({ keyIds: [], addresses: [] }), undefined);
  assert.equal(decodeKeyChange(encodeKeyChange({ all: true, keyIds: ['1'] })), { all: true });
});

test('a change too large for one notification becomes "everything changed"', () => {
  const keyIds = Array.from({ length: 2000 }, (_, i) => String(1_000_000 + i));
  const payload = encodeKeyChange({ keyIds })!;
  assert.ok(Buffer.byteLength(payload) < 8000, 'under PostgreSQL\'s payload limit');
  assert.equal(decodeKeyChange(payload), { all: true });
});

test('what is not a key id or an address is dropped; an unreadable payload means everything', () => {
  assert.equal(decodeKeyChange(encodeKeyChange({ keyIds: ['1', 'x; DROP TABLE', '-3'] })), { keyIds: ['1'], addresses: [] });
  assert.equal(decodeKeyChange('{"k":[1,"2"],"a":["0xnot", "' + A + '"]}'), { keyIds: ['2'], addresses: [A] });
  assert.equal(decodeKeyChange('not json'), { all: true });
  assert.equal(decodeKeyChange(undefined), { all: true });
});

test.run();
