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

test('a probe success neither resets members\' failures nor closes a breaker they opened', () => {
  const { b, clock } = breaker(2, 1000);
  b.failure('member');
  b.success('probe');
  assert.is(b.failures(), 1, 'the poll did not wipe the member failure');
  b.failure('member');
  assert.equal([b.state(), b.openedBy()], ['open', 'member']);
  clock.t += 1000;
  b.success('probe');
  assert.is(b.state(), 'half_open', 'still waiting for a member-like trial');
  assert.ok(b.tryPass());
  b.success('member');
  assert.is(b.state(), 'closed');
});

test('probe failures open it apart from members\' failures, and the next probe success closes it', () => {
  const { b } = breaker(2, 1000);
  b.failure('member');
  b.failure('probe');
  assert.is(b.state(), 'closed', 'one of each is not two of either');
  b.failure('probe');
  assert.equal([b.state(), b.openedBy()], ['open', 'probe']);
  b.success('probe');
  assert.is(b.state(), 'closed', 'the node answers polls again');
});

test('when probes that failed answer again, the trial of a breaker members opened is due at once, however long its cooldown grew', () => {
  const { b, clock } = breaker(1, 1000, 60_000);
  b.failure('member');
  for (let i = 0; i < 4; i++) {
    clock.t += b.cooldownMs();
    b.tryPass();
    b.failure('member'); // failed trials: 2 s, 4 s, 8 s, 16 s
  }
  assert.is(b.cooldownMs(), 16_000);
  b.failure('probe'); // the node went away entirely
  clock.t += 100;
  assert.is(b.state(), 'open');
  b.success('probe'); // and is back
  assert.is(b.state(), 'half_open');
});

test('a member failure older than the window no longer puts the node behind clean ones, but failures add up until a success', () => {
  const { b, clock } = breaker(3, 1000); // window: five cooldowns
  b.failure();
  assert.is(b.failures(), 1);
  clock.t += 5001;
  assert.is(b.failures(), 0, 'not recent: the node gets members\' calls again');
  b.failure();
  clock.t += 6000;
  b.failure();
  assert.is(b.state(), 'open', 'three member failures with no success between');
});

test.run();
