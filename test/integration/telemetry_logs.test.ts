// The log lines events become: one per completed request, warn and error lines, levels, and no key.
import { Writable } from 'node:stream';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { EventBus } from '../../gateway/src/events.ts';
import { loadTelemetryConfig, startTelemetry, type Telemetry } from '../../gateway/src/telemetry/index.ts';
import { createLogger } from '../../gateway/src/telemetry/logger.ts';
import { RequestLogs } from '../../gateway/src/telemetry/requestLogs.ts';

const KEY = 'q3Jx0d5yqk2m1Zb7n8v6c4x2z0a9s8d7f6g5h4j3k2l';
const MEMBER = '0x2222222222222222222222222222222222222222';

function sink() {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk, _e, cb) {
      chunks.push(String(chunk));
      cb();
    },
  });
  const raw = () => chunks.join('');
  const lines = () => raw().split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);
  return { stream, raw, lines };
}

async function start(env: Record<string, string> = {}): Promise<{ bus: EventBus; telemetry: Telemetry; out: ReturnType<typeof sink>; errors: unknown[] }> {
  const out = sink();
  const errors: unknown[] = [];
  const bus = new EventBus((err) => errors.push(err));
  const telemetry = await startTelemetry(bus, loadTelemetryConfig({ METRICS_PORT: '0', METRICS_HOST: '127.0.0.1', LOG_REQUESTS: 'all', ...env }), { logDestination: out.stream });
  return { bus, telemetry, out, errors };
}

test('a completed request is one info line with the request fields', async () => {
  const { bus, telemetry, out } = await start();
  try {
    bus.emit({ type: 'access.granted', requestId: 'r1', network: 'l2', memberAddress: MEMBER, keyId: 'k1' });
    bus.emit({ type: 'request.received', requestId: 'r1', network: 'l2', batchSize: 1, bytes: 80 });
    bus.emit({ type: 'cache.lookup', requestId: 'r1', network: 'l2', method: 'eth_getLogs', result: 'miss' });
    bus.emit({ type: 'upstream.attempt', requestId: 'r1', network: 'l2', node: 'node-a', method: 'eth_getLogs', attempt: 1, outcome: 'ok', durationMs: 12.34, startTime: Date.now() - 13 });
    bus.emit({ type: 'rpc.call', requestId: 'r1', network: 'l2', method: 'eth_getLogs', outcome: 'ok', source: 'upstream', durationMs: 13 });
    bus.emit({ type: 'request.completed', requestId: 'r1', network: 'l2', method: 'eth_getLogs', httpStatus: 200, durationMs: 14.26, memberAddress: MEMBER, keyId: 'k1' });
    const lines = out.lines();
    assert.is(lines.length, 1);
    const { time, ...line } = lines[0]!;
    assert.type(time, 'number');
    assert.equal(line, {
      level: 30,
      service: 'community-rpc-gateway',
      request_id: 'r1',
      network: 'l2',
      method: 'eth_getLogs',
      member: MEMBER,
      duration_ms: 14.3,
      outcome: 'ok',
      http_status: 200,
      node: 'node-a',
      cache: 'miss',
      attempts: 1,
      msg: 'request completed',
    });
  } finally {
    await telemetry.shutdown();
  }
});

test('a batch line counts its calls and failed calls; an error reply is outcome error', async () => {
  const { bus, telemetry, out } = await start();
  try {
    for (const [method, outcome] of [['eth_chainId', 'ok'], ['eth_nope', 'error'], ['eth_blockNumber', 'ok']] as const) {
      bus.emit({ type: 'rpc.call', requestId: 'b1', network: 'l1', method, outcome, source: 'gateway', durationMs: 1 });
    }
    bus.emit({ type: 'request.completed', requestId: 'b1', network: 'l1', method: 'batch', httpStatus: 200, durationMs: 3 });
    bus.emit({ type: 'request.completed', requestId: 'e1', network: 'l1', method: 'invalid', httpStatus: 200, errorCode: -32700, durationMs: 1 });
    const [batch, parseError] = out.lines();
    assert.is(batch?.calls, 3);
    assert.is(batch?.call_errors, 1);
    assert.is(batch?.outcome, 'ok');
    assert.is(parseError?.outcome, 'error');
    assert.is(parseError?.error_code, -32700);
    assert.is(parseError?.calls, undefined);
  } finally {
    await telemetry.shutdown();
  }
});

test('failover, exhaustion, node health, reorgs and failed syncs are warn lines; store and internal errors are error lines', async () => {
  const { bus, telemetry, out } = await start();
  try {
    bus.emit({ type: 'upstream.failover', requestId: 'r2', network: 'l2', method: 'eth_call', from: 'a', to: 'b', reason: 'connect' });
    bus.emit({ type: 'upstream.exhausted', requestId: 'r2', network: 'l2', method: 'eth_call', attempts: 4, reason: 'all_attempts_failed' });
    bus.emit({ type: 'node.health', network: 'l1', node: 'a', healthy: false, reason: 'lagging' });
    bus.emit({ type: 'chain.reorg', network: 'l2', node: 'b', height: 100, oldHash: '0xold', newHash: '0xnew' });
    bus.emit({ type: 'orchestrators.sync', source: 'subgraph', outcome: 'failed', count: 90, durationMs: 3000, error: 'no answer within 3000 ms', consecutiveFailures: 2, nextSyncMs: 60_000 });
    bus.emit({ type: 'store.error', operation: 'key_lookup', message: `ECONNREFUSED while checking /api/${KEY}/l2` });
    bus.emit({ type: 'gateway.error', where: 'http.rpc', message: `TypeError at https://gw/api/${KEY}/l1` });
    const byMsg: Record<string, Record<string, unknown>> = Object.fromEntries(out.lines().map((l) => [String(l.msg), l]));
    assert.equal(
      Object.entries(byMsg).map(([msg, l]) => [msg, l.level]),
      [
        ['upstream failover', 40],
        ['upstream exhausted', 40],
        ['node health changed', 40],
        ['chain reorg', 40],
        ['orchestrator sync failed', 40],
        ['store error', 50],
        ['gateway error', 50],
      ],
    );
    assert.is(byMsg['upstream failover']?.from, 'a');
    assert.is(byMsg['upstream failover']?.reason, 'connect');
    assert.is(byMsg['upstream exhausted']?.attempts, 4);
    assert.is(byMsg['node health changed']?.healthy, false);
    assert.is(byMsg['chain reorg']?.old_hash, '0xold');
    assert.is(byMsg['orchestrator sync failed']?.consecutive_failures, 2);
    assert.is(byMsg['orchestrator sync failed']?.error, 'no answer within 3000 ms');
    assert.is(byMsg['store error']?.operation, 'key_lookup');
    assert.is(byMsg['store error']?.error, 'ECONNREFUSED while checking /api/<redacted>/l2');
    assert.not.ok(out.raw().includes(KEY));
  } finally {
    await telemetry.shutdown();
  }
});

test('sign-in attempts are info lines (sign-in, sign-in refused) with outcome and address; a database failure is a warn line', async () => {
  const { bus, telemetry, out } = await start();
  try {
    bus.emit({ type: 'signin.attempt', purpose: 'key', outcome: 'ok', address: MEMBER, variant: 'eip191/none', durationMs: 4.2 });
    bus.emit({ type: 'signin.attempt', purpose: 'key', outcome: 'not_eligible', address: MEMBER, durationMs: 3 });
    bus.emit({ type: 'signin.attempt', purpose: 'session', outcome: 'unavailable', durationMs: 2000 });
    assert.equal(
      out.lines().map((l) => [l.msg, l.level, l.purpose, l.outcome, l.address]),
      [
        ['sign-in', 30, 'key', 'ok', MEMBER],
        ['sign-in refused', 30, 'key', 'not_eligible', MEMBER],
        ['sign-in failed', 40, 'session', 'unavailable', undefined],
      ],
    );
    assert.is(out.lines()[0]?.variant, 'eip191/none');
    assert.is(out.lines()[0]?.duration_ms, 4.2);
  } finally {
    await telemetry.shutdown();
  }
});

test('a node leaving rotation is a warn line; joining it (start-up, recovery) is an info line', async () => {
  const { bus, telemetry, out } = await start();
  try {
    bus.emit({ type: 'node.health', network: 'l2', node: 'a', healthy: true, reason: 'ok' });
    bus.emit({ type: 'node.health', network: 'l2', node: 'a', healthy: false, reason: 'breaker_open' });
    assert.equal(out.lines().map((l) => [l.msg, l.level, l.healthy, l.reason]), [
      ['node health changed', 30, true, 'ok'],
      ['node health changed', 40, false, 'breaker_open'],
    ]);
  } finally {
    await telemetry.shutdown();
  }
});

test('LOG_LEVEL=debug adds a line per upstream attempt; LOG_LEVEL=warn drops the per-request lines', async () => {
  const debug = await start({ LOG_LEVEL: 'debug' });
  const warn = await start({ LOG_LEVEL: 'warn' });
  try {
    for (const { bus } of [debug, warn]) {
      bus.emit({ type: 'upstream.attempt', requestId: 'r3', network: 'l2', node: 'a', method: 'eth_call', attempt: 1, outcome: 'malformed', durationMs: 2, startTime: Date.now() - 2, detail: `body from /api/${KEY}/x` });
      bus.emit({ type: 'request.completed', requestId: 'r3', network: 'l2', method: 'eth_call', httpStatus: 200, durationMs: 3 });
    }
    const attempt = debug.out.lines().find((l) => l.msg === 'upstream attempt');
    assert.is(attempt?.level, 20);
    assert.is(attempt?.outcome, 'malformed');
    assert.is(attempt?.detail, 'body from /api/<redacted>/x');
    assert.is(debug.out.lines().length, 2);
    assert.is(warn.out.lines().length, 0);
  } finally {
    await debug.telemetry.shutdown();
    await warn.telemetry.shutdown();
  }
});

test('a log destination that throws never reaches the emitter, and metrics keep counting', async () => {
  const listenerErrors: unknown[] = [];
  const bus = new EventBus((err) => listenerErrors.push(err));
  const broken = new Writable({
    write: () => {
      throw new Error('disk full');
    },
  });
  const telemetry = await startTelemetry(bus, loadTelemetryConfig({ METRICS_PORT: '0', METRICS_HOST: '127.0.0.1' }), { logDestination: broken });
  try {
    bus.emit({ type: 'request.completed', requestId: 'r4', network: 'l2', method: 'eth_call', httpStatus: 200, durationMs: 1 });
    bus.emit({ type: 'node.health', network: 'l2', node: 'a', healthy: true, reason: 'ok' });
    assert.ok(listenerErrors.length >= 1); // the first write throws; the stream then holds the rest
    const scrape = await fetch(`http://127.0.0.1:${telemetry.metricsPort}/metrics`, { signal: AbortSignal.timeout(15_000) }).then((r) => r.text());
    assert.ok(scrape.includes('http_server_request_duration_seconds_count{network="l2",http_response_status_code="200"} 1'));
    assert.ok(scrape.includes('gateway_node_up{network="l2",node="a"} 1'));
  } finally {
    await telemetry.shutdown();
  }
});

test('per-request facts are bounded: requests that never complete age out of memory', () => {
  const out = sink();
  const bus = new EventBus();
  const logs = new RequestLogs(createLogger({ level: 'info', serviceName: 't', destination: out.stream }), undefined, 'all', { maxOpen: 10, maxAgeMs: 60_000 });
  logs.subscribe(bus);
  bus.on('request.completed', (e) => logs.completed(e));
  for (let i = 0; i < 100; i++) {
    bus.emit({ type: 'upstream.attempt', requestId: `q${i}`, network: 'l2', node: `n${i}`, method: 'eth_call', attempt: 1, outcome: 'ok', durationMs: 1, startTime: Date.now() });
  }
  bus.emit({ type: 'request.completed', requestId: 'q0', network: 'l2', method: 'eth_call', httpStatus: 200, durationMs: 1 });
  bus.emit({ type: 'request.completed', requestId: 'q99', network: 'l2', method: 'eth_call', httpStatus: 200, durationMs: 1 });
  const [oldest, newest] = out.lines();
  assert.is(oldest?.node, undefined); // evicted
  assert.is(newest?.node, 'n99');
});

test('LOG_REQUESTS=errors (the default): an ok request leaves no line, an error, a denial or a troubled ok request (hedged, retried) does', async () => {
  const out = sink();
  const bus = new EventBus();
  const telemetry = await startTelemetry(bus, loadTelemetryConfig({ METRICS_PORT: '0', METRICS_HOST: '127.0.0.1' }), { logDestination: out.stream });
  try {
    bus.emit({ type: 'request.completed', requestId: 'ok1', network: 'l2', method: 'eth_chainId', httpStatus: 200, durationMs: 1 });
    bus.emit({ type: 'request.completed', requestId: 'err1', network: 'l2', method: 'eth_call', httpStatus: 200, errorCode: -32002, durationMs: 1 });
    bus.emit({ type: 'access.denied', requestId: 'den1', network: 'l1', reason: 'unknown_key' });
    bus.emit({ type: 'request.completed', requestId: 'den1', network: 'l1', method: 'invalid', httpStatus: 401, errorCode: -32001, durationMs: 1 });
    bus.emit({ type: 'upstream.hedge', requestId: 'hedged1', network: 'l2', method: 'eth_call', from: 'a', to: 'b', delayMs: 300 });
    bus.emit({ type: 'request.completed', requestId: 'hedged1', network: 'l2', method: 'eth_call', httpStatus: 200, durationMs: 320 });
    for (const [n, outcome] of [[1, 'transport'], [2, 'ok']] as const) {
      bus.emit({ type: 'upstream.attempt', requestId: 'retried1', network: 'l2', node: 'a', method: 'eth_call', attempt: n, outcome, durationMs: 1, startTime: Date.now() });
    }
    bus.emit({ type: 'request.completed', requestId: 'retried1', network: 'l2', method: 'eth_call', httpStatus: 200, durationMs: 60 });
    const lines = out.lines() as Array<{ request_id?: string; outcome?: string; hedged?: boolean; attempts?: number }>;
    const ids = lines.filter((l) => l.request_id).map((l) => `${l.request_id}:${l.outcome}`);
    assert.equal(ids, ['err1:error', 'den1:denied', 'hedged1:ok', 'retried1:ok']);
    assert.is(lines.find((l) => l.request_id === 'hedged1')?.hedged, true);
    assert.is(lines.find((l) => l.request_id === 'retried1')?.attempts, 2);
  } finally {
    await telemetry.shutdown();
  }
});

test.run();
