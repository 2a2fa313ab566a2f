// Metrics exactly as docs/METRICS.md lists them, exposed by @opentelemetry/exporter-prometheus.
// Instrument names are the exposed Prometheus names: this exporter only appends `_total` to counters
// that lack it and adds no unit suffix, so naming them in full keeps the scrape equal to the doc.
import type { Meter } from '@opentelemetry/api';
import { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import type { EventBus } from '../events.ts';
import { Aggregates } from './aggregates.ts';
import { methodSpec } from '../evm/methods.ts';
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
  const aggregates = new Aggregates();
  const exporter = new PrometheusExporter({
    preventServerStart: true,
    withoutScopeInfo: true,
    withoutTargetInfo: true,
    metricProducers: [aggregates],
  });
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
  const events = eventInstruments(aggregates);
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

function eventInstruments(aggregates: Aggregates): (bus: EventBus) => () => void {
  const histogram = (name: string, description: string) => aggregates.histogram(name, description, 's', DURATION_BUCKETS);
  const requests = aggregates.counter('gateway_requests_total', 'JSON-RPC calls answered (a batch counts each call).');
  const requestDuration = histogram('gateway_request_duration_seconds', 'Time to answer one call, cache hits included.');
  const httpDuration = histogram('http_server_request_duration_seconds', 'HTTP request duration.');
  const attempts = aggregates.counter('gateway_upstream_attempts_total', 'Every attempt on a node.');
  const attemptDuration = histogram('gateway_upstream_duration_seconds', 'Duration of one attempt on one node.');
  const failovers = aggregates.counter('gateway_failovers_total', 'A call moved from one node to the next.');
  const sends = aggregates.counter('gateway_transaction_sends_total', 'What each node answered to a transaction send.');
  const hedges = aggregates.counter('gateway_hedges_total', 'A read not answered within its hedge delay, also sent to the next node.');
  const lastResort = aggregates.counter('gateway_last_resort_attempts_total', 'Attempts on a node out of rotation, because no node in rotation was left.');
  const exhausted = aggregates.counter('gateway_upstream_exhausted_total', 'Calls no node could answer.');
  const cacheLookups = aggregates.counter('gateway_cache_lookups_total', 'Cache lookups.');
  const reorgs = aggregates.counter('gateway_chain_reorgs_total', 'A block height the head tracker knew now carries another hash.');
  const denied = aggregates.counter('gateway_access_denied_total', 'Requests refused at the key check.');
  const clientErrors = aggregates.counter('gateway_http_client_errors_total', 'Requests Node\'s HTTP server refused or cut by itself (slow, not HTTP, oversized headers, cut short by the client), by reason.');
  const signIns = aggregates.counter('gateway_signin_attempts_total', 'Sign-in attempts (POST /auth/verify) by purpose and outcome.');

  // Keys join bounded label values with a separator no label value contains.
  return (bus) => {
    const offs = [
      bus.on('rpc.call', (e) => {
        const method = methodLabel(e.method);
        const kind = methodSpec(e.method)?.write ? 'write' : 'read';
        requests.add(`${e.network}\n${method}\n${e.outcome}\n${kind}`, () => ({ network: e.network, method, outcome: e.outcome, kind }));
        requestDuration.record(`${e.network}\n${method}`, () => ({ network: e.network, method }), e.durationMs / 1000);
      }),
      bus.on('access.denied', (e) => {
        denied.add(`${e.network}\n${e.reason}`, () => ({ network: e.network, reason: e.reason }));
        // the body was never read
        requests.add(`${e.network}\n${OTHER_METHOD}\ndenied\nunknown`, () => ({ network: e.network, method: OTHER_METHOD, outcome: 'denied', kind: 'unknown' }));
      }),
      bus.on('request.completed', (e) =>
        httpDuration.record(
          `${e.network}\n${e.httpStatus}`,
          () => ({ network: e.network, 'http.response.status_code': e.httpStatus }),
          e.durationMs / 1000,
        ),
      ),
      bus.on('upstream.attempt', (e) => {
        attempts.add(`${e.network}\n${e.node}\n${e.outcome}`, () => ({ network: e.network, node: e.node, outcome: e.outcome }));
        if (e.lastResort) lastResort.add(`${e.network}\n${e.node}\n${e.outcome}`, () => ({ network: e.network, node: e.node, outcome: e.outcome }));
        // A cancelled hedge loser was cut short: its time is not how long the node takes to answer.
        if (e.outcome !== 'cancelled') attemptDuration.record(`${e.network}\n${e.node}`, () => ({ network: e.network, node: e.node }), e.durationMs / 1000);
      }),
      bus.on('upstream.failover', (e) =>
        failovers.add(`${e.network}\n${e.from}\n${e.to}\n${e.reason}`, () => ({ network: e.network, from: e.from, to: e.to, reason: e.reason })),
      ),
      bus.on('upstream.send', (e) => sends.add(`${e.network}\n${e.node}\n${e.answer}`, () => ({ network: e.network, node: e.node, answer: e.answer }))),
      bus.on('upstream.hedge', (e) => hedges.add(`${e.network}\n${e.from}\n${e.to}`, () => ({ network: e.network, from: e.from, to: e.to }))),
      bus.on('upstream.exhausted', (e) => exhausted.add(`${e.network}\n${e.reason}`, () => ({ network: e.network, reason: e.reason }))),
      bus.on('signin.attempt', (e) => signIns.add(`${e.purpose}\n${e.outcome}`, () => ({ purpose: e.purpose, outcome: e.outcome }))),
      bus.on('cache.lookup', (e) => cacheLookups.add(`${e.network}\n${e.result}`, () => ({ network: e.network, result: e.result }))),
      bus.on('http.client_error', (e) => clientErrors.add(e.reason, () => ({ reason: e.reason }))),
      bus.on('chain.reorg', (e) => reorgs.add(`${e.network}\n${e.node}`, () => ({ network: e.network, node: e.node }))),
    ];
    return () => offs.forEach((off) => off());
  };
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
    orchestratorSyncLeader: meter.createObservableGauge('gateway_orchestrator_sync_leader', {
      description: '1 on the replica that syncs the active set, 0 on the others.',
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
