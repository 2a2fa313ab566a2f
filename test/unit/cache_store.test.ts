import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ResponseCache } from '../../gateway/src/cache/store.ts';
import type { CallOutcome } from '../../gateway/src/rpc/types.ts';

const result = (value: unknown): CallOutcome => ({ kind: 'result', raw: JSON.stringify(value), value });

function clock() {
  let t = 1_000;
  return { now: () => t, advance: (ms: number) => (t += ms) };
}

test('returns the raw result as stored, and parses value only on demand', () => {
  const cache = new ResponseCache({ maxEntries: 10, maxBytes: 10_000 });
  cache.set('k', result({ number: '0x1', list: [1, 2] }), Infinity);
  const got = cache.get('k');
  assert.ok(got && got.kind === 'result');
  if (got?.kind !== 'result') return;
  assert.is(got.raw, '{"number":"0x1","list":[1,2]}');
  assert.equal(got.value, { number: '0x1', list: [1, 2] });
});

test('a miss is undefined', () => {
  const cache = new ResponseCache({ maxEntries: 10, maxBytes: 10_000 });
  assert.is(cache.get('nope'), undefined);
});

test('errors are never stored', () => {
  const cache = new ResponseCache({ maxEntries: 10, maxBytes: 10_000 });
  cache.set('k', { kind: 'error', error: { code: -32000, message: 'header not found' } }, Infinity);
  assert.is(cache.get('k'), undefined);
  assert.is(cache.entries, 0);
});

test('the entry bound evicts the least recently used entry', () => {
  const cache = new ResponseCache({ maxEntries: 3, maxBytes: 1_000_000 });
  for (const k of ['a', 'b', 'c']) cache.set(k, result(k), Infinity);
  cache.get('a'); // a is now more recent than b
  cache.set('d', result('d'), Infinity);
  assert.is(cache.entries, 3);
  assert.ok(cache.get('a') !== undefined);
  assert.is(cache.get('b'), undefined);
  assert.ok(cache.get('c') !== undefined && cache.get('d') !== undefined);
});

test('the byte bound counts key + raw length and evicts to stay under it', () => {
  const cache = new ResponseCache({ maxEntries: 1000, maxBytes: 400, maxEntryBytes: 400 });
  const raw = 'x'.repeat(96); // JSON string of 96 x's is 98 bytes, + 2-byte key = 100
  for (let i = 0; i < 4; i++) cache.set(`k${i}`, result(raw), Infinity);
  assert.is(cache.bytes, 400);
  assert.is(cache.entries, 4);
  cache.set('k4', result(raw), Infinity);
  assert.ok(cache.bytes <= 400, `bytes ${cache.bytes}`);
  assert.is(cache.entries, 4);
  assert.is(cache.get('k0'), undefined, 'oldest evicted');
  assert.ok(cache.get('k4') !== undefined);
});

test('an entry larger than the per-entry bound is not stored and evicts nothing', () => {
  const cache = new ResponseCache({ maxEntries: 1000, maxBytes: 1000 }); // per-entry bound: 250
  cache.set('small', result('s'), Infinity);
  cache.set('huge', result('y'.repeat(300)), Infinity);
  assert.is(cache.get('huge'), undefined);
  assert.ok(cache.get('small') !== undefined);
});

test('an entry expires after its own TTL; one without TTL stays', () => {
  const c = clock();
  const cache = new ResponseCache({ maxEntries: 10, maxBytes: 10_000, now: c.now });
  cache.set('head', result(1), 2000);
  cache.set('final', result(2), 60_000);
  cache.set('static', result(3), Infinity);
  c.advance(1999);
  assert.ok(cache.get('head'));
  c.advance(2);
  assert.is(cache.get('head'), undefined);
  assert.ok(cache.get('final'));
  c.advance(60_000);
  assert.is(cache.get('final'), undefined);
  c.advance(365 * 24 * 3_600_000);
  assert.ok(cache.get('static'));
});

test('reading an entry does not extend its TTL', () => {
  const c = clock();
  const cache = new ResponseCache({ maxEntries: 10, maxBytes: 10_000, now: c.now });
  cache.set('k', result(1), 100);
  c.advance(60);
  assert.ok(cache.get('k'));
  c.advance(60);
  assert.is(cache.get('k'), undefined);
});

test('a zero or negative TTL stores nothing', () => {
  const cache = new ResponseCache({ maxEntries: 10, maxBytes: 10_000 });
  cache.set('a', result(1), 0);
  cache.set('b', result(1), -5);
  assert.is(cache.entries, 0);
});

test('the entry and byte counts drop when an entry expires', () => {
  const c = clock();
  const cache = new ResponseCache({ maxEntries: 10, maxBytes: 10_000, now: c.now });
  cache.set('a', result('aaaa'), 100); // 1 + 6 bytes
  cache.set('bb', result(1), Infinity); // 2 + 1 bytes
  assert.equal([cache.entries, cache.bytes], [2, 10]);
  c.advance(101);
  assert.is(cache.get('a'), undefined);
  assert.equal([cache.entries, cache.bytes], [1, 3]);
});

test.run();
