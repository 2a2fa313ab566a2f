import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { CircuitBreaker } from '../../gateway/src/upstream/breaker.ts';

function breaker(failures = 3, cooldownMs = 1000, maxCooldownMs = 5000) {
  const clock = { t: 0 };
  const b = new CircuitBreaker({ failures, cooldownMs, maxCooldownMs, now: () => clock.t });
  return { b, clock };
}

test('stays closed below the failure threshold and opens at it', () => {
  const { b } = breaker(3);
  b.failure();
  b.failure();
  assert.is(b.state(), 'closed');
  assert.ok(b.tryPass());
  b.failure();
  assert.is(b.state(), 'open');
  assert.not.ok(b.tryPass());
  assert.not.ok(b.canPass());
});

test('a success resets the count of consecutive failures', () => {
  const { b } = breaker(3);
  b.failure();
  b.failure();
  b.success();
  assert.is(b.failures(), 0);
  b.failure();
  b.failure();
  assert.is(b.state(), 'closed');
});

test('after the cooldown it is half-open and lets exactly one trial through', () => {
  const { b, clock } = breaker(1, 1000);
  b.failure();
  clock.t = 999;
  assert.is(b.state(), 'open');
  clock.t = 1000;
  assert.is(b.state(), 'half_open');
  assert.ok(b.canPass());
  assert.ok(b.tryPass());
  assert.not.ok(b.tryPass());
  assert.not.ok(b.canPass());
});

test('a successful trial closes it and resets the cooldown', () => {
  const { b, clock } = breaker(1, 1000);
  b.failure();
  clock.t = 1000;
  b.tryPass();
  b.failure(); // re-open at 2000 ms cooldown
  clock.t = 3000;
  b.tryPass();
  b.success();
  assert.is(b.state(), 'closed');
  assert.is(b.cooldownMs(), 1000);
});

test('a failed trial re-opens it with a doubled cooldown, capped at the maximum', () => {
  const { b, clock } = breaker(1, 1000, 3000);
  b.failure();
  const cooldowns: number[] = [];
  for (let i = 0; i < 4; i++) {
    clock.t += b.cooldownMs();
    assert.is(b.state(), 'half_open');
    assert.ok(b.tryPass());
    b.failure();
    assert.is(b.state(), 'open');
    cooldowns.push(b.cooldownMs());
  }
  assert.equal(cooldowns, [2000, 3000, 3000, 3000]);
  clock.t += 2999;
  assert.is(b.state(), 'open');
  clock.t += 1;
  assert.is(b.state(), 'half_open');
});

test('failures that arrive while open change nothing', () => {
  const { b, clock } = breaker(1, 1000);
  b.failure();
  clock.t = 500;
  b.failure();
  b.failure();
  assert.is(b.cooldownMs(), 1000);
  clock.t = 1000;
  assert.is(b.state(), 'half_open');
});

test('a released trial lets the next caller try', () => {
  const { b, clock } = breaker(1, 1000);
  b.failure();
  clock.t = 1000;
  assert.ok(b.tryPass());
  b.release();
  assert.ok(b.tryPass());
});

test.run();
