// Metrics exactly as docs/METRICS.md lists them, exposed by @opentelemetry/exporter-prometheus.
// Instrument names are the exposed Prometheus names: this exporter only appends `_total` to counters
// that lack it and adds no unit suffix, so naming them in full keeps the scrape equal to the doc.
import type { Attributes, Histogram, Meter } from '@opentelemetry/api';
import { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import type { EventBus } from '../events.ts';
import { methodLabel, OTHER_METHOD } from './methodLabel.ts';
import { NodeState } from './nodeState.ts';
import { StatsCache, type Stats, type StatsProvider } from './statsCache.ts';
import { SyncState } from './syncState.ts';

/** Seconds. Cache hits answer in well under a millisecond; getLogs over a wide range can take many seconds. */
export const DURATION_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

export interface Metrics {
  exporter: PrometheusExporter;
  subscribe(bus: EventBus): () => void;
  setStatsProvider(provider: StatsProvider): void;
  shutdown(): Promise<void>;
}

export function createMetrics(opts: { serviceName: string; version: string; statsTimeoutMs: number }): Metrics {
  // Series carry only the labels the doc lists: no otel_scope_* labels, no target_info series.
  const exporter = new PrometheusExporter({ preventServerStart: true, withoutScopeInfo: true, withoutTargetInfo: true });
  const provider = new MeterProvider({
    resource: resourceFromAttributes({ 'service.name': opts.serviceName, 'service.version': opts.version }),
    readers: [exporter],
  });
  const meter = provider.getMeter('community-rpc-gateway', opts.version);
  const nodes = new NodeState();
  const stats = new StatsCache(opts.statsTimeoutMs);
  const sync = new SyncState();
  observeNodes(meter, nodes);
  observeStats(meter, stats, sync);
  meter
    .createObservableGauge('gateway_build_info', { description: 'Always 1; the version label says which build runs.' })
    .addCallback((o) => o.observe(1, { version: opts.version }));
  const events = eventInstruments(meter);
  return {
    exporter,
    subscribe: (bus) => {
      const offs = [nodes.subscribe(bus), sync.subscribe(bus), events(bus)];
      return () => offs.forEach((off) => off());
    },
    setStatsProvider: (p) => stats.set(p),
    shutdown: () => provider.shutdown(),
  };
}

function eventInstruments(meter: Meter): (bus: EventBus) => () => void {
  const seconds = (description: string) => ({ description, unit: 's', advice: { explicitBucketBoundaries: DURATION_BUCKETS } });
  const requests = meter.createCounter('gateway_requests_total', { description: 'JSON-RPC calls answered (a batch counts each call).' });
  const requestDuration = meter.createHistogram('gateway_request_duration_seconds', seconds('Time to answer one call, cache hits included.'));
  const httpDuration = meter.createHistogram('http_server_request_duration_seconds', seconds('HTTP request duration.'));
  const attempts = meter.createCounter('gateway_upstream_attempts_total', { description: 'Every attempt on a node.' });
  const attemptDuration = meter.createHistogram('gateway_upstream_duration_seconds', seconds('Duration of one attempt on one node.'));
  const failovers = meter.createCounter('gateway_failovers_total', { description: 'A call moved from one node to the next.' });
  const exhausted = meter.createCounter('gateway_upstream_exhausted_total', { description: 'Calls no node could answer.' });
  const cacheLookups = meter.createCounter('gateway_cache_lookups_total', { description: 'Cache lookups.' });
  const denied = meter.createCounter('gateway_access_denied_total', { description: 'Requests refused at the key check.' });

  return (bus) => {
    const offs = [
      bus.on('rpc.call', (e) => {
        const attrs: Attributes = { network: e.network, method: methodLabel(e.method) };
        requests.add(1, { ...attrs, outcome: e.outcome });
        recordSeconds(requestDuration, e.durationMs, attrs);
      }),
      bus.on('access.denied', (e) => {
        denied.add(1, { network: e.network, reason: e.reason });
        requests.add(1, { network: e.network, method: OTHER_METHOD, outcome: 'denied' }); // the body was never read
      }),
      bus.on('request.completed', (e) =>
        recordSeconds(httpDuration, e.durationMs, { network: e.network, 'http.response.status_code': e.httpStatus }),
      ),
      bus.on('upstream.attempt', (e) => {
        attempts.add(1, { network: e.network, node: e.node, outcome: e.outcome });
        recordSeconds(attemptDuration, e.durationMs, { network: e.network, node: e.node });
      }),
      bus.on('upstream.failover', (e) => failovers.add(1, { network: e.network, from: e.from, to: e.to, reason: e.reason })),
      bus.on('upstream.exhausted', (e) => exhausted.add(1, { network: e.network, reason: e.reason })),
      bus.on('cache.lookup', (e) => cacheLookups.add(1, { network: e.network, result: e.result })),
    ];
    return () => offs.forEach((off) => off());
  };
}

/** A NaN would poison a histogram's sum for the life of the process; such a duration is skipped. */
function recordSeconds(histogram: Histogram, durationMs: number, attrs: Attributes): void {
  if (Number.isFinite(durationMs) && durationMs >= 0) histogram.record(durationMs / 1000, attrs);
}

function observeNodes(meter: Meter, nodes: NodeState): void {
  const up = meter.createObservableGauge('gateway_node_up', { description: '1 while the node is in rotation.' });
  const head = meter.createObservableGauge('gateway_node_head_block', { description: 'Latest block the node reports.' });
  const finalized = meter.createObservableGauge('gateway_node_finalized_block', { description: 'Finalized block the node reports.' });
  const lag = meter.createObservableGauge('gateway_node_lag_blocks', { description: 'Blocks behind the best node of its network.' });
  meter.addBatchObservableCallback(
    (o) => {
      for (const n of nodes.snapshot()) {
        const attrs = { network: n.network, node: n.node };
        if (n.up !== undefined) o.observe(up, n.up ? 1 : 0, attrs);
        if (n.head !== undefined) o.observe(head, n.head, attrs);
        if (n.finalized !== undefined) o.observe(finalized, n.finalized, attrs);
        if (n.lag !== undefined) o.observe(lag, n.lag, attrs);
      }
    },
    [up, head, finalized, lag],
  );
}

/** Sync gauges from orchestrators.sync events once one arrived, else from the provider; the rest from the provider. */
function observeStats(meter: Meter, stats: StatsCache, sync: SyncState): void {
  const gauges = {
    members: meter.createObservableGauge('gateway_members', { description: 'Members (orchestrators and operator grants).' }),
    apiKeysActive: meter.createObservableGauge('gateway_api_keys_active', { description: 'Keys that are not revoked.' }),
    orchestratorsActive: meter.createObservableGauge('gateway_orchestrators_active', { description: 'Orchestrators in the active set.' }),
    orchestratorsUsing24h: meter.createObservableGauge('gateway_orchestrators_using_24h', {
      description: 'Active orchestrators whose keys made a request in the last 24 h.',
    }),
    orchestratorSyncLastSuccessSeconds: meter.createObservableGauge('gateway_orchestrator_sync_last_success_timestamp_seconds', {
      description: 'Unix time of the last good active-set sync.',
    }),
  };
  const syncFailures = meter.createObservableCounter('gateway_orchestrator_sync_failures_total', { description: 'Failed active-set syncs.' });
  const databaseUp = meter.createObservableGauge('gateway_database_up', { description: '1 when the last database check succeeded.' });
  meter.addBatchObservableCallback(
    async (o) => {
      const reading = await stats.read();
      const values: Stats = { ...reading?.stats, ...sync.snapshot() };
      for (const [field, gauge] of Object.entries(gauges) as Array<[keyof typeof gauges, (typeof gauges)[keyof typeof gauges]]>) {
        const value = values[field];
        if (value !== undefined) o.observe(gauge, value);
      }
      if (values.orchestratorSyncFailures !== undefined) o.observe(syncFailures, values.orchestratorSyncFailures);
      if (reading) o.observe(databaseUp, reading.databaseUp ? 1 : 0);
    },
    [...Object.values(gauges), syncFailures, databaseUp],
  );
}
