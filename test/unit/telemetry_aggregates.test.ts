import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { DataPointType, type Histogram } from '@opentelemetry/sdk-metrics';
import { Aggregates } from '../../gateway/src/telemetry/aggregates.ts';

test('a counter sums per key and builds each series\' attributes once', async () => {
  const a = new Aggregates();
  const c = a.counter('x_total', 'x');
  let built = 0;
  const attrs = (v: string) => () => (built++, { v });
  c.add('a', attrs('a'));
  c.add('a', attrs('a'), 2);
  c.add('b', attrs('b'));
  assert.is(built, 2);
  const [m] = (await a.collect()).resourceMetrics.scopeMetrics[0]!.metrics;
  assert.is(m!.dataPointType, DataPointType.SUM);
  assert.equal(m!.dataPoints.map((p) => [p.attributes, p.value]), [[{ v: 'a' }, 3], [{ v: 'b' }, 1]]);
});

test('a histogram counts a value equal to a boundary in that bucket (le), and skips NaN and negatives', async () => {
  const a = new Aggregates();
  const h = a.histogram('d_seconds', 'd', 's', [0.1, 1]);
  for (const v of [0.05, 0.1, 0.5, 1, 3, Number.NaN, -1, Infinity]) h.record('k', () => ({}), v);
  const [m] = (await a.collect()).resourceMetrics.scopeMetrics[0]!.metrics;
  const point = m!.dataPoints[0]!.value as Histogram;
  assert.equal(point.buckets.counts, [2, 2, 1]);
  assert.is(point.count, 5);
  assert.is(point.min, 0.05);
  assert.is(point.max, 3);
  assert.ok(Math.abs((point.sum ?? 0) - 4.65) < 1e-9);
});

test('a family with no events yet is not exposed', async () => {
  const a = new Aggregates();
  a.counter('never_total', 'n');
  assert.equal((await a.collect()).resourceMetrics.scopeMetrics[0]!.metrics, []);
});

test.run();
