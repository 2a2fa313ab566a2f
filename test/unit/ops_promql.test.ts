// The metric-name reader the alert and dashboard checks rely on: if it missed names, those checks could not fail.
import { readFileSync } from 'node:fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { documentedSeries, metricNames, queryableNames, withGrafanaVariables } from './ops_promql.ts';

const sorted = (xs: string[]) => [...xs].sort();

test('finds selected metrics, not functions, aggregations, keywords, labels or durations', () => {
  assert.equal(
    sorted(metricNames('histogram_quantile(0.95, sum by (network, le) (rate(gateway_request_duration_seconds_bucket{network=~"l2|l1"}[5m])))')),
    ['gateway_request_duration_seconds_bucket'],
  );
  assert.equal(
    sorted(metricNames('network:gateway_failovers:rate5m > 0.2 and network:gateway_failovers:rate5m > 0.05 * network:gateway_requests:rate5m')),
    ['network:gateway_failovers:rate5m', 'network:gateway_requests:rate5m'],
  );
  assert.equal(sorted(metricNames('count without (node) (gateway_node_up == 1) == 1 and on (network) count without (node) (gateway_node_up) > 1')), [
    'gateway_node_up',
  ]);
  assert.equal(sorted(metricNames('time() - gateway_orchestrator_sync_last_success_timestamp_seconds > 7200')), [
    'gateway_orchestrator_sync_last_success_timestamp_seconds',
  ]);
  assert.equal(sorted(metricNames('up{job="gateway"} == 0 or absent(up{job="gateway", instance="a:1"})')), ['up']);
  assert.equal(sorted(metricNames('rate(foo_total[5m] offset 1h) / ignoring(code) group_left(x) bar_total')), ['bar_total', 'foo_total']);
  assert.equal(metricNames('1e9 + 0x1F + 2.5'), []);
  assert.equal(sorted(metricNames('max_over_time(a_metric[1h:5m]) unless b_metric')), ['a_metric', 'b_metric']);
});

test('a label value that looks like a metric is not taken for one', () => {
  assert.equal(metricNames('gateway_requests_total{method="eth_call", outcome="error"}'), ['gateway_requests_total']);
});

test('docs/METRICS.md yields each series, histograms as their _bucket/_sum/_count', () => {
  const series = documentedSeries(readFileSync(new URL('../../docs/METRICS.md', import.meta.url), 'utf8'));
  const names = queryableNames(series);
  assert.ok(series.length >= 15);
  assert.ok(names.has('gateway_requests_total'));
  assert.ok(names.has('gateway_request_duration_seconds_bucket'));
  assert.ok(names.has('gateway_request_duration_seconds_count'));
  assert.not.ok(names.has('gateway_request_duration_seconds'), 'a histogram is never selected by its bare name');
  assert.ok(names.has('gateway_node_up'));
});

test('Grafana variables are replaced by values PromQL accepts', () => {
  assert.is(withGrafanaVariables('rate(x{network=~"$network"}[$__rate_interval])'), 'rate(x{network=~".+"}[5m])');
  assert.is(withGrafanaVariables('sum(x{node=~"${node:regex}"}[$__interval])'), 'sum(x{node=~".+"}[5m])');
});

test.run();
