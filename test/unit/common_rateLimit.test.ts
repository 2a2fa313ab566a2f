// The sign-in token buckets: a burst, then the steady rate, per client, with a bounded number of clients.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { RateLimiter } from '../../gateway/src/common/rateLimit.ts';

function clock(start = 1_000_000) {
  let now = start;
  return { now: () => now, advance: (ms: number) => (now += ms) };
}

test('a client gets its burst at once, then is told how long to wait for the next token', () => {
  const c = clock();
  const limiter = new RateLimiter({ perMinute: 6, burst: 3, now: c.now });
  assert.equal([limiter.take('a'), limiter.take('a'), limiter.take('a')], [0, 0, 0]);
  assert.is(limiter.take('a'), 10_000, 'six a minute: one every 10 s');
  c.advance(9_999);
  assert.ok(limiter.take('a') > 0, 'not yet');
  c.advance(1);
  assert.is(limiter.take('a'), 0);
});

test('wait tells how long until a token without taking one', () => {
  const c = clock();
  const limiter = new RateLimiter({ perMinute: 6, burst: 2, now: c.now });
  assert.is(limiter.wait('a'), 0, 'an unseen client has its burst');
  limiter.take('a');
  assert.is(limiter.wait('a'), 0);
  limiter.take('a');
  assert.is(limiter.wait('a'), 10_000);
  assert.is(limiter.wait('a'), 10_000, 'asking again takes nothing');
  c.advance(10_000);
  assert.is(limiter.wait('a'), 0);
  assert.is(limiter.take('a'), 0);
});

test('refused attempts do not use up tokens, and refill stops at the burst', () => {
  const c = clock();
  const limiter = new RateLimiter({ perMinute: 60, burst: 2, now: c.now });
  limiter.take('a');
  limiter.take('a');
  for (let i = 0; i < 5; i++) assert.ok(limiter.take('a') > 0);
  c.advance(1000);
  assert.is(limiter.take('a'), 0, 'the refused attempts did not push the next token further away');
  c.advance(3_600_000);
  assert.equal([limiter.take('a'), limiter.take('a')], [0, 0]);
  assert.ok(limiter.take('a') > 0, 'an hour idle still allows only the burst');
});

test('clients are limited independently', () => {
  const limiter = new RateLimiter({ perMinute: 1, burst: 1, now: () => 0 });
  assert.is(limiter.take('10.0.0.1'), 0);
  assert.ok(limiter.take('10.0.0.1') > 0);
  assert.is(limiter.take('10.0.0.2'), 0);
});

test('past maxClients the least recently seen client is forgotten, so memory stays bounded', () => {
  const limiter = new RateLimiter({ perMinute: 1, burst: 1, maxClients: 2, now: () => 0 });
  limiter.take('a');
  limiter.take('b');
  limiter.take('c'); // evicts a
  assert.is(limiter.take('a'), 0, 'a starts again with a full bucket');
  assert.ok(limiter.take('c') > 0, 'c is still remembered');
});

test.run();
