// The light cancel handle the pool gives each attempt (instead of an AbortController): every listener once, on
// cancel only; a listener taken off is not called; cancelling twice is once.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Cancel } from '../../gateway/src/upstream/cancel.ts';

test('cancel calls each listener once, in order; off takes one away; a second cancel does nothing', () => {
  const c = new Cancel();
  const calls: string[] = [];
  const a = () => calls.push('a');
  const b = () => calls.push('b');
  const d = () => calls.push('d');
  c.on(a);
  c.on(b);
  c.on(d);
  c.off(b);
  assert.is(c.cancelled, false);
  assert.equal(calls, []);
  c.cancel();
  assert.is(c.cancelled, true);
  assert.equal(calls, ['a', 'd']);
  c.cancel();
  assert.equal(calls, ['a', 'd']);
});

test('a listener that takes itself off while being called does not skip the next one', () => {
  const c = new Cancel();
  const calls: string[] = [];
  const a = () => {
    calls.push('a');
    c.off(a);
  };
  c.on(a);
  c.on(() => calls.push('b'));
  c.cancel();
  assert.equal(calls, ['a', 'b']);
});

test('off without on, and on after cancel, are harmless', () => {
  const c = new Cancel();
  c.off(() => {});
  c.cancel();
  let called = false;
  c.on(() => (called = true));
  assert.is(called, false, 'a listener added after the cancel is not called: callers check `cancelled` first');
});

test.run();
