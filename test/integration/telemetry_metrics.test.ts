// A real HTTP scrape of /metrics: exactly the series docs/METRICS.md lists, with the values the events imply.
import { readFileSync } from 'node:fs';
import { Writable } from 'node:stream';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ConfigError } from '../../gateway/src/config.ts';
import { EventBus } from '../../gateway/src/events.ts';
import { loadTelemetryConfig, startTelemetry, type Telemetry } from '../../gateway/src/telemetry/index.ts';

const KEY = 'q3Jx0d5yqk2m1Zb7n8v6c4x2z0a9s8d7f6g5h4j3k2l';
const VERSION = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;

async function start(env: Record<string, string> = {}): Promise<{ bus: EventBus; telemetry: Telemetry; errors: unknown[] }> {
  const errors: unknown[] = [];
  const bus = new EventBus((err) => errors.push(err));
  const sink = new Writable({ write: (_c, _e, cb) => cb() });
  const telemetry = await startTelemetry(bus, loadTelemetryConfig({ METRICS_PORT: '0', METRICS_HOST: '127.0.0.1', ...env }), { logDestination: sink });
  return { bus, telemetry, errors };
}

async function scrape(t: Telemetry, path = '/metrics'): Promise<{ status: number; text: string }> {
  const res = await fetch(`http://127.0.0.1:${t.metricsPort}${path}`, { signal: AbortSignal.timeout(15_000) });
  return { status: res.status, text: await res.text() };
}

/** `series{labels}` -> value, labels in exposition order. */
function samples(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const i = line.lastIndexOf(' ');
    out.set(line.slice(0, i), Number(line.slice(i + 1)));
  }
  return out;
}

async function rejection(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (err) {
    return err as Error;
  }
  throw new assert.Assertion({ message: 'expected a rejection', generated: true, operator: 'rejects', expects: 'rejection', actual: 'resolved' });
}

function families(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const m of text.matchAll(/^# TYPE (\S+) (\S+)$/gm)) out.set(m[1]!, m[2]!);
  return out;
}

function documented(): Map<string, string> {
  const doc = readFileSync(new URL('../../docs/METRICS.md', import.meta.url), 'utf8');
  const out = new Map<string, string>();
  for (const m of doc.matchAll(/^\| `([a-z0-9_]+)` \| (counter|gauge|histogram) \|/gm)) out.set(m[1]!, m[2]!);
  return out;
}

const SIGNER = '0x3333333333333333333333333333333333333333';

/** One of every event that feeds a metric. */
function emitEverything(bus: EventBus): void {
  const now = Date.now();
  bus.emit({ type: 'access.granted', requestId: 'r1', network: 'l2', memberAddress: '0x01', keyId: 'k' });
  bus.emit({ type: 'request.received', requestId: 'r1', network: 'l2', batchSize: 1, bytes: 90 });
  bus.emit({ type: 'cache.lookup', requestId: 'r1', network: 'l2', method: 'eth_call', result: 'miss' });
  bus.emit({ type: 'upstream.attempt', requestId: 'r1', network: 'l2', node: 'node-a', method: 'eth_call', attempt: 1, outcome: 'http_5xx', httpStatus: 502, durationMs: 30, startTime: now - 100 });
  bus.emit({ type: 'upstream.failover', requestId: 'r1', network: 'l2', method: 'eth_call', from: 'node-a', to: 'node-b', reason: 'http_5xx' });
  bus.emit({ type: 'upstream.attempt', requestId: 'r1', network: 'l2', node: 'node-b', method: 'eth_call', attempt: 2, outcome: 'ok', durationMs: 20, startTime: now - 60 });
  bus.emit({ type: 'rpc.call', requestId: 'r1', network: 'l2', method: 'eth_call', outcome: 'ok', source: 'upstream', durationMs: 55 });
  bus.emit({ type: 'request.completed', requestId: 'r1', network: 'l2', method: 'eth_call', httpStatus: 200, durationMs: 60 });
  // A cache hit for a vendor method, and a call with a key-shaped method name: both are `other`.
  bus.emit({ type: 'cache.lookup', requestId: 'r2', network: 'l2', method: 'arbtrace_block', result: 'hit' });
  bus.emit({ type: 'rpc.call', requestId: 'r2', network: 'l2', method: 'arbtrace_block', outcome: 'ok', source: 'upstream', durationMs: 0.2 });
  bus.emit({ type: 'rpc.call', requestId: 'r2', network: 'l2', method: `/api/${KEY}/l2`, outcome: 'error', errorCode: -32601, source: 'gateway', durationMs: 0.1 });
  bus.emit({ type: 'request.completed', requestId: 'r2', network: 'l2', method: 'batch', httpStatus: 200, durationMs: 1 });
  bus.emit({ type: 'access.denied', requestId: 'r3', network: 'l1', reason: 'unknown_key' });
  bus.emit({ type: 'request.completed', requestId: 'r3', network: 'l1', method: 'invalid', httpStatus: 401, errorCode: -32001, durationMs: 1 });
  bus.emit({ type: 'upstream.exhausted', requestId: 'r4', network: 'l1', method: 'eth_blockNumber', attempts: 0, reason: 'no_healthy_node' });
  bus.emit({ type: 'upstream.send', requestId: 'r7', network: 'l2', node: 'node-a', answer: 'known', hash: `0x${'ab'.repeat(32)}` });
  bus.emit({ type: 'upstream.hedge', requestId: 'r5', network: 'l2', method: 'eth_call', from: 'node-a', to: 'node-b', delayMs: 120 });
  bus.emit({ type: 'upstream.attempt', requestId: 'r5', network: 'l2', node: 'node-a', method: 'eth_call', attempt: 1, outcome: 'cancelled', durationMs: 130, startTime: now - 20 });
  bus.emit({ type: 'upstream.attempt', requestId: 'r6', network: 'l1', node: 'node-c', method: 'eth_call', attempt: 1, outcome: 'connect', durationMs: 1, startTime: now, lastResort: true });
  bus.emit({ type: 'node.health', network: 'l2', node: 'node-a', healthy: false, reason: 'breaker_open' });
  bus.emit({ type: 'node.health', network: 'l2', node: 'node-b', healthy: true, reason: 'ok' });
  bus.emit({ type: 'signin.attempt', purpose: 'key', outcome: 'ok', address: '0x01', variant: 'eip191/none', durationMs: 5 });
  bus.emit({ type: 'signin.attempt', purpose: 'key', outcome: 'not_eligible', address: SIGNER, durationMs: 3 });
  bus.emit({ type: 'signin.attempt', purpose: 'key', outcome: 'not_eligible', address: '0x03', durationMs: 3 });
  bus.emit({ type: 'node.head', network: 'l2', node: 'node-b', head: 1000, headHash: '0xaa', finalized: 990, lag: 0 });
  bus.emit({ type: 'node.head', network: 'l2', node: 'node-a', head: 950, headHash: '0xbb', lag: 50 });
  bus.emit({ type: 'chain.reorg', network: 'l2', node: 'node-b', height: 999, oldHash: '0x01', newHash: '0x02' });
  bus.emit({ type: 'http.client_error', reason: 'timeout' });
  bus.emit({ type: 'http.client_error', reason: 'timeout' });
  bus.emit({ type: 'http.client_error', reason: 'malformed' });
}

const fullStats = {
  members: 12,
  apiKeysActive: 10,
  orchestratorsActive: 100,
  orchestratorsUsing24h: 37,
  orchestratorSyncLastSuccessSeconds: 1_700_000_000,
  orchestratorSyncFailures: 2,
  orchestratorSyncLeader: 1,
  databaseUp: true,
};

test('the scrape exposes exactly the metric families docs/METRICS.md lists, with their types', async () => {
  const { bus, telemetry, errors } = await start();
  try {
    emitEverything(bus);
    telemetry.setStatsProvider(() => fullStats);
    const { status, text } = await scrape(telemetry);
    assert.is(status, 200);
    assert.equal(Object.fromEntries([...families(text)].sort()), Object.fromEntries([...documented()].sort()));
    assert.equal(errors, []);
  } finally {
    await telemetry.shutdown();
  }
});

test('series values follow the events: calls, attempts, failovers, cache, denials, nodes, HTTP', async () => {
  const { bus, telemetry } = await start();
  try {
    emitEverything(bus);
    const s = samples((await scrape(telemetry)).text);
    const expect: Record<string, number> = {
      'gateway_requests_total{network="l2",method="eth_call",outcome="ok",kind="read"}': 1,
      'gateway_requests_total{network="l2",method="other",outcome="ok",kind="read"}': 1,
      'gateway_requests_total{network="l2",method="other",outcome="error",kind="read"}': 1,
      'gateway_requests_total{network="l1",method="other",outcome="denied",kind="unknown"}': 1,
      'gateway_request_duration_seconds_count{network="l2",method="eth_call"}': 1,
      'gateway_request_duration_seconds_sum{network="l2",method="eth_call"}': 0.055,
      'gateway_request_duration_seconds_bucket{network="l2",method="eth_call",le="0.05"}': 0,
      'gateway_request_duration_seconds_bucket{network="l2",method="eth_call",le="0.1"}': 1,
      'gateway_request_duration_seconds_bucket{network="l2",method="other",le="0.001"}': 2,
      'http_server_request_duration_seconds_count{network="l2",http_response_status_code="200"}': 2,
      'http_server_request_duration_seconds_count{network="l1",http_response_status_code="401"}': 1,
      'gateway_upstream_attempts_total{network="l2",node="node-a",outcome="http_5xx"}': 1,
      'gateway_upstream_attempts_total{network="l2",node="node-b",outcome="ok"}': 1,
      'gateway_upstream_duration_seconds_count{network="l2",node="node-a"}': 1,
      'gateway_failovers_total{network="l2",from="node-a",to="node-b",reason="http_5xx"}': 1,
      'gateway_hedges_total{network="l2",from="node-a",to="node-b"}': 1,
      'gateway_http_client_errors_total{reason="timeout"}': 2,
      'gateway_http_client_errors_total{reason="malformed"}': 1,
      'gateway_transaction_sends_total{network="l2",node="node-a",answer="known"}': 1,
      'gateway_last_resort_attempts_total{network="l1",node="node-c",outcome="connect"}': 1,
      'gateway_upstream_attempts_total{network="l2",node="node-a",outcome="cancelled"}': 1,
      'gateway_upstream_exhausted_total{network="l1",reason="no_healthy_node"}': 1,
      'gateway_cache_lookups_total{network="l2",result="miss"}': 1,
      'gateway_cache_lookups_total{network="l2",result="hit"}': 1,
      'gateway_access_denied_total{network="l1",reason="unknown_key"}': 1,
      'gateway_signin_attempts_total{purpose="key",outcome="ok"}': 1,
      'gateway_signin_attempts_total{purpose="key",outcome="not_eligible"}': 2,
      'gateway_node_up{network="l2",node="node-a"}': 0,
      'gateway_node_up{network="l2",node="node-b"}': 1,
      'gateway_node_head_block{network="l2",node="node-b"}': 1000,
      'gateway_node_finalized_block{network="l2",node="node-b"}': 990,
      'gateway_node_lag_blocks{network="l2",node="node-a"}': 50,
      [`gateway_build_info{version="${VERSION}"}`]: 1,
    };
    for (const [series, value] of Object.entries(expect)) assert.is(s.get(series), value, series);
    // Counters accumulate.
    emitEverything(bus);
    const again = samples((await scrape(telemetry)).text);
    assert.is(again.get('gateway_failovers_total{network="l2",from="node-a",to="node-b",reason="http_5xx"}'), 2);
  } finally {
    await telemetry.shutdown();
  }
});

test('a nonsensical duration is skipped rather than poisoning a histogram', async () => {
  const { bus, telemetry } = await start();
  try {
    bus.emit({ type: 'rpc.call', requestId: 'n1', network: 'l1', method: 'eth_call', outcome: 'ok', source: 'upstream', durationMs: Number.NaN });
    bus.emit({ type: 'rpc.call', requestId: 'n2', network: 'l1', method: 'eth_call', outcome: 'ok', source: 'upstream', durationMs: 20 });
    const s = samples((await scrape(telemetry)).text);
    assert.is(s.get('gateway_requests_total{network="l1",method="eth_call",outcome="ok",kind="read"}'), 2);
    assert.is(s.get('gateway_request_duration_seconds_count{network="l1",method="eth_call"}'), 1);
    assert.is(s.get('gateway_request_duration_seconds_sum{network="l1",method="eth_call"}'), 0.02);
  } finally {
    await telemetry.shutdown();
  }
});

test('no key and no label outside the documented sets appears in the scrape', async () => {
  const { bus, telemetry } = await start();
  try {
    emitEverything(bus);
    bus.emit({ type: 'rpc.call', requestId: 'r9', network: 'l2', method: `eth_call/api/${KEY}/l2`, outcome: 'ok', source: 'upstream', durationMs: 1 });
    const { text } = await scrape(telemetry);
    assert.not.ok(text.includes(KEY));
    const labels = new Set([...text.matchAll(/[{,]([a-z_]+)="/g)].map((m) => m[1]));
    assert.equal([...labels].sort(), ['answer', 'from', 'http_response_status_code', 'kind', 'le', 'method', 'network', 'node', 'outcome', 'purpose', 'reason', 'result', 'to', 'version']);
    assert.not.ok(text.includes(SIGNER.slice(2)), 'a signer address is never a label');
  } finally {
    await telemetry.shutdown();
  }
});

test('database gauges come from the stats provider; absent until one is registered', async () => {
  const { telemetry } = await start();
  try {
    assert.not.ok(samples((await scrape(telemetry)).text).has('gateway_database_up'));
    telemetry.setStatsProvider(async () => fullStats);
    const s = samples((await scrape(telemetry)).text);
    assert.is(s.get('gateway_members'), 12);
    assert.is(s.get('gateway_api_keys_active'), 10);
    assert.is(s.get('gateway_orchestrators_active'), 100);
    assert.is(s.get('gateway_orchestrators_using_24h'), 37);
    assert.is(s.get('gateway_orchestrator_sync_last_success_timestamp_seconds'), 1_700_000_000);
    assert.is(s.get('gateway_orchestrator_sync_failures_total'), 2);
    assert.is(s.get('gateway_database_up'), 1);
  } finally {
    await telemetry.shutdown();
  }
});

test('sync gauges follow orchestrators.sync events without any database, and take precedence over the provider', async () => {
  const { bus, telemetry } = await start();
  try {
    telemetry.setStatsProvider(() => ({ ...fullStats, orchestratorsActive: 1, orchestratorSyncFailures: 50 }));
    bus.emit({ type: 'orchestrators.sync', source: 'chain', outcome: 'failed', count: 0, durationMs: 5, error: 'rpc down', consecutiveFailures: 1 });
    let s = samples((await scrape(telemetry)).text);
    assert.is(s.get('gateway_orchestrator_sync_last_success_timestamp_seconds'), 0); // never synced yet
    assert.is(s.get('gateway_orchestrator_sync_failures_total'), 1);
    assert.is(s.get('gateway_orchestrators_active'), 0);
    assert.is(s.get('gateway_members'), 12); // still the provider's
    const before = Math.floor(Date.now() / 1000);
    bus.emit({ type: 'orchestrators.sync', source: 'chain', outcome: 'ok', count: 98, durationMs: 40, consecutiveFailures: 0 });
    bus.emit({ type: 'orchestrators.sync', source: 'chain', outcome: 'failed', count: 98, durationMs: 5, error: 'timeout', consecutiveFailures: 1 });
    s = samples((await scrape(telemetry)).text);
    assert.is(s.get('gateway_orchestrators_active'), 98);
    assert.is(s.get('gateway_orchestrator_sync_failures_total'), 2);
    const last = s.get('gateway_orchestrator_sync_last_success_timestamp_seconds')!;
    assert.ok(last >= before && last <= Math.ceil(Date.now() / 1000), String(last));
  } finally {
    await telemetry.shutdown();
  }
});

test('a hanging or failing database does not hold the scrape: last good values, gateway_database_up 0', async () => {
  const { telemetry } = await start({ STATS_TIMEOUT_MS: '100' });
  try {
    telemetry.setStatsProvider(() => fullStats);
    await scrape(telemetry);
    telemetry.setStatsProvider(() => new Promise(() => {})); // a query that never returns
    const hanging = await scrape(telemetry); // the 15 s abort in scrape() fails the test if it blocks
    const s = samples(hanging.text);
    assert.is(s.get('gateway_members'), 12);
    assert.is(s.get('gateway_database_up'), 0);
    assert.is(s.get(`gateway_build_info{version="${VERSION}"}`), 1);
    telemetry.setStatsProvider(() => Promise.reject(new Error('ECONNREFUSED')));
    const failing = samples((await scrape(telemetry)).text);
    assert.is(failing.get('gateway_orchestrators_active'), 100);
    assert.is(failing.get('gateway_database_up'), 0);
  } finally {
    await telemetry.shutdown();
  }
});

test('the metrics listener answers only GET /metrics and binds the port it reports', async () => {
  const { telemetry } = await start();
  try {
    assert.ok(telemetry.metricsPort > 0);
    assert.is((await scrape(telemetry, '/')).status, 404);
    assert.is((await scrape(telemetry, '/metrics?x=1')).status, 200);
  } finally {
    await telemetry.shutdown();
  }
  // Shut down means closed.
  await rejection(fetch(`http://127.0.0.1:${telemetry.metricsPort}/metrics`, { signal: AbortSignal.timeout(5000) }));
});

test('a metrics port already in use fails start-up with a ConfigError naming METRICS_PORT', async () => {
  const first = await start();
  try {
    const bus = new EventBus();
    const sink = new Writable({ write: (_c, _e, cb) => cb() });
    const cfg = loadTelemetryConfig({ METRICS_PORT: String(first.telemetry.metricsPort), METRICS_HOST: '127.0.0.1' });
    const err = await rejection(startTelemetry(bus, cfg, { logDestination: sink }));
    assert.instance(err, ConfigError);
    assert.is((err as ConfigError).variable, 'METRICS_PORT');
    assert.match(err.message, /EADDRINUSE/);
  } finally {
    await first.telemetry.shutdown();
  }
});

test.run();
