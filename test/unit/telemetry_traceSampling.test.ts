// The tail-sampling decision: interesting requests always, the rest (ok and denied alike) by TRACES_OK_RATIO.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { shouldTrace, type TracedFacts } from '../../gateway/src/telemetry/traceSampling.ts';

const none = { okRatio: 0, slowMs: 1000 };
const every = { okRatio: 1, slowMs: 1000 };
const facts = (f: Partial<TracedFacts>): TracedFacts => ({ outcome: 'ok', troubled: false, durationMs: 1, ...f });

test('errors, failovers or exhaustion, and requests at or above slowMs are traced at ratio 0', () => {
  assert.ok(shouldTrace(none, facts({ outcome: 'error' })));
  assert.ok(shouldTrace(none, facts({ troubled: true })));
  assert.ok(shouldTrace(none, facts({ durationMs: 1000 })));
  assert.not.ok(shouldTrace(none, facts({ durationMs: 999.9 })));
});

test('denials are sampled like ok requests, even when slow', () => {
  assert.not.ok(shouldTrace(none, facts({ outcome: 'denied' })));
  assert.not.ok(shouldTrace(none, facts({ outcome: 'denied', durationMs: 60_000 })));
  assert.ok(shouldTrace(every, facts({ outcome: 'denied' })));
});

test('ratio 1 traces every ok request, ratio 0 none, and a ratio compares against the random draw', () => {
  assert.ok(shouldTrace(every, facts({}), () => 0.999999));
  assert.not.ok(shouldTrace(none, facts({}), () => 0));
  const quarter = { okRatio: 0.25, slowMs: 1000 };
  assert.ok(shouldTrace(quarter, facts({}), () => 0.2));
  assert.not.ok(shouldTrace(quarter, facts({}), () => 0.25));
});

test('no random draw is made for a request that is traced anyway or when the ratio is 0', () => {
  const draw = () => {
    throw new Error('drew');
  };
  assert.ok(shouldTrace(none, facts({ outcome: 'error' }), draw));
  assert.not.ok(shouldTrace(none, facts({}), draw));
});

test.run();
