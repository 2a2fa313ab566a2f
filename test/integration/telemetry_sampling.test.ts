// Tail sampling of spans: decided at completion, an untraced request costs no SDK object, interesting ones
// are always traced with their links and times, and log lines carry a trace id only when a span exists.
import { Writable } from 'node:stream';
import { SpanKind, SpanStatusCode, type Tracer } from '@opentelemetry/api';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { EventBus } from '../../gateway/src/events.ts';
import { loadTelemetryConfig, startTelemetry, type Telemetry } from '../../gateway/src/telemetry/index.ts';
import { RequestSpans, type RequestSpanLimits } from '../../gateway/src/telemetry/requestSpans.ts';
import { ServerSpanIdGenerator } from '../../gateway/src/telemetry/traceIds.ts';
import type { TraceSampling } from '../../gateway/src/telemetry/traceSampling.ts';

const MEMBER = '0x3333333333333333333333333333333333333333';
const ms = (t: [number, number]) => t[0] * 1000 + t[1] / 1e6;

/** RequestSpans on a real SDK provider wired as in production, behind a tracer that counts span creations. */
function direct(sampling: TraceSampling, limits: RequestSpanLimits = { maxOpen: 10_000, maxAgeMs: 60_000 }) {
  const exporter = new InMemorySpanExporter();
  const idGenerator = new ServerSpanIdGenerator();
  const provider = new BasicTracerProvider({ idGenerator, spanProcessors: [new SimpleSpanProcessor(exporter)] });
  const inner = provider.getTracer('t');
  let started = 0;
  const tracer: Tracer = {
    startSpan: (...args: Parameters<Tracer['startSpan']>) => {
      started++;
      return inner.startSpan(...args);
    },
    startActiveSpan: inner.startActiveSpan.bind(inner) as Tracer['startActiveSpan'],
  };
  const spans = new RequestSpans(tracer, limits, sampling, idGenerator);
  const bus = new EventBus();
  spans.subscribe(bus);
  // As telemetry/index.ts does: each completion's trace decision, as the log line would receive it.
  const decided = new Map<string, ReturnType<RequestSpans['complete']>>();
  bus.on('request.completed', (e) => decided.set(e.requestId, spans.complete(e)));
  return { bus, spans, decided, exporter, provider, started: () => started };
}

function emitCacheHit(bus: EventBus, requestId: string, durationMs = 0.4): void {
  bus.emit({ type: 'access.granted', requestId, network: 'l2', memberAddress: MEMBER, keyId: 'k' });
  bus.emit({ type: 'request.received', requestId, network: 'l2', batchSize: 1, bytes: 80 });
  bus.emit({ type: 'cache.lookup', requestId, network: 'l2', method: 'eth_blockNumber', result: 'hit', tier: 'head' });
  bus.emit({ type: 'rpc.call', requestId, network: 'l2', method: 'eth_blockNumber', outcome: 'ok', source: 'upstream', durationMs: 0.1 });
  bus.emit({ type: 'request.completed', requestId, network: 'l2', method: 'eth_blockNumber', httpStatus: 200, durationMs, memberAddress: MEMBER, keyId: 'k' });
}

/** A miss whose first attempt times out and fails over to node-b; returns the attempts' start times. */
function emitFailover(bus: EventBus, requestId: string): { t0: number } {
  const t0 = Date.now() - 300;
  bus.emit({ type: 'access.granted', requestId, network: 'l2', memberAddress: MEMBER, keyId: 'k' });
  bus.emit({ type: 'cache.lookup', requestId, network: 'l2', method: 'eth_call', result: 'miss', tier: 'head' });
  bus.emit({ type: 'upstream.attempt', requestId, network: 'l2', node: 'node-a', method: 'eth_call', attempt: 1, outcome: 'timeout', durationMs: 200, startTime: t0 });
  bus.emit({ type: 'upstream.failover', requestId, network: 'l2', method: 'eth_call', from: 'node-a', to: 'node-b', reason: 'timeout' });
  bus.emit({ type: 'upstream.attempt', requestId, network: 'l2', node: 'node-b', method: 'eth_call', attempt: 2, outcome: 'ok', durationMs: 30, startTime: t0 + 210 });
  bus.emit({ type: 'request.completed', requestId, network: 'l2', method: 'eth_call', httpStatus: 200, durationMs: 320, memberAddress: MEMBER, keyId: 'k' });
  return { t0 };
}

const servers = (spans: ReadableSpan[]) => spans.filter((s) => s.kind === SpanKind.SERVER);
const childrenOf = (spans: ReadableSpan[], parent: ReadableSpan) =>
  spans.filter((s) => s.parentSpanContext?.spanId === parent.spanContext().spanId && s.spanContext().traceId === parent.spanContext().traceId);

test('with TRACES_OK_RATIO=0 an ok cache hit and a denial create no span object at all', async () => {
  const d = direct({ okRatio: 0, slowMs: 1000 });
  try {
    for (let i = 0; i < 50; i++) emitCacheHit(d.bus, `hit-${i}`);
    d.bus.emit({ type: 'access.denied', requestId: 'bad', network: 'l2', reason: 'unknown_key' });
    d.bus.emit({ type: 'request.completed', requestId: 'bad', network: 'l2', method: 'invalid', httpStatus: 401, errorCode: -32001, durationMs: 0.2 });
    assert.is(d.started(), 0);
    assert.is(d.exporter.getFinishedSpans().length, 0);
    assert.ok(d.decided.has('hit-49'));
    assert.is(d.decided.get('hit-49'), undefined, 'no ids for a completed request that was not traced');
  } finally {
    await d.provider.shutdown();
  }
});

test('with TRACES_OK_RATIO=0 a failover is traced: server span with the logged ids, both attempts as children with their own times', async () => {
  const d = direct({ okRatio: 0, slowMs: 1000 });
  try {
    let openIds: ReturnType<RequestSpans['ids']>;
    d.bus.on('upstream.failover', (e) => (openIds = d.spans.ids(e.requestId)));
    const before = Date.now();
    const { t0 } = emitFailover(d.bus, 'fo');
    const after = Date.now();
    const spans = d.exporter.getFinishedSpans();
    assert.is(spans.length, 3);
    const [server] = servers(spans);
    assert.ok(server);
    assert.ok(openIds, 'ids were available while the request was open');
    assert.equal({ traceId: server.spanContext().traceId, spanId: server.spanContext().spanId }, openIds);
    assert.equal(d.decided.get('fo'), openIds, 'and at completion, for the log line');
    assert.is(server.parentSpanContext, undefined);
    assert.is(server.attributes['gateway.outcome'], 'ok');
    assert.is(server.attributes['gateway.member'], MEMBER);
    // Started at completion minus the request's duration, ended at completion.
    assert.ok(ms(server.endTime) >= before && ms(server.endTime) <= after);
    assert.ok(Math.abs(ms(server.startTime) - (ms(server.endTime) - 320)) < 0.01);
    assert.equal(server.events.map((e) => e.name), ['gateway.cache.lookup', 'gateway.failover']);
    for (const e of server.events) assert.ok(ms(e.time) >= before && ms(e.time) <= after, 'events carry the time they happened');
    const attempts = childrenOf(spans, server).sort((a, b) => Number(a.attributes['gateway.attempt']) - Number(b.attributes['gateway.attempt']));
    assert.equal(attempts.map((s) => [s.kind, s.attributes['server.address'], s.status.code]), [
      [SpanKind.CLIENT, 'node-a', SpanStatusCode.ERROR],
      [SpanKind.CLIENT, 'node-b', SpanStatusCode.UNSET],
    ]);
    const [a, b] = attempts as [ReadableSpan, ReadableSpan];
    assert.ok(Math.abs(ms(a.startTime) - t0) < 0.01 && Math.abs(ms(a.endTime) - (t0 + 200)) < 0.01);
    assert.ok(Math.abs(ms(b.startTime) - (t0 + 210)) < 0.01 && Math.abs(ms(b.endTime) - (t0 + 240)) < 0.01);
  } finally {
    await d.provider.shutdown();
  }
});

test('with TRACES_OK_RATIO=0 an error, an exhaustion and a request at TRACES_SLOW_MS are traced; a slow denial is not', async () => {
  const d = direct({ okRatio: 0, slowMs: 1000 });
  try {
    d.bus.emit({ type: 'request.received', requestId: 'err', network: 'l1', batchSize: 1, bytes: 60 });
    d.bus.emit({ type: 'request.completed', requestId: 'err', network: 'l1', method: 'eth_foo', httpStatus: 200, errorCode: -32601, durationMs: 1 });
    d.bus.emit({ type: 'request.received', requestId: 'ex', network: 'l2', batchSize: 1, bytes: 60 });
    d.bus.emit({ type: 'upstream.exhausted', requestId: 'ex', network: 'l2', method: 'eth_blockNumber', attempts: 0, reason: 'no_healthy_node' });
    // An exhaustion still answered from elsewhere is ok by outcome, and traced for the exhaustion alone.
    d.bus.emit({ type: 'request.completed', requestId: 'ex', network: 'l2', method: 'eth_blockNumber', httpStatus: 200, durationMs: 2 });
    emitCacheHit(d.bus, 'slow', 1000);
    emitCacheHit(d.bus, 'fast', 999);
    d.bus.emit({ type: 'access.denied', requestId: 'slow-denied', network: 'l2', reason: 'access_unavailable' });
    d.bus.emit({ type: 'request.completed', requestId: 'slow-denied', network: 'l2', method: 'invalid', httpStatus: 503, errorCode: -32002, durationMs: 5000 });
    const traced = servers(d.exporter.getFinishedSpans()).map((s) => s.attributes['gateway.request_id']).sort();
    assert.equal(traced, ['err', 'ex', 'slow']);
    const slow = servers(d.exporter.getFinishedSpans()).find((s) => s.attributes['gateway.request_id'] === 'slow')!;
    assert.ok(Math.abs(ms(slow.endTime) - ms(slow.startTime) - 1000) < 0.01);
    assert.equal(slow.events.map((e) => e.attributes?.['gateway.cache.result']), ['hit']);
  } finally {
    await d.provider.shutdown();
  }
});

test('a ratio between 0 and 1 traces about that share of ok requests', async () => {
  const d = direct({ okRatio: 0.5, slowMs: 1000 });
  try {
    for (let i = 0; i < 2000; i++) emitCacheHit(d.bus, `r${i}`);
    const traced = servers(d.exporter.getFinishedSpans()).length;
    assert.ok(traced >= 800 && traced <= 1200, `traced ${traced} of 2000`);
    assert.is(d.started(), traced, 'one span object per traced cache hit, none for the others');
  } finally {
    await d.provider.shutdown();
  }
});

test('an abandoned request is dropped unless it qualifies; one with a failover is ended as abandoned with its events', async () => {
  const d = direct({ okRatio: 0, slowMs: 1000 }, { maxOpen: 2, maxAgeMs: 60_000 });
  try {
    d.bus.emit({ type: 'request.received', requestId: 'plain', network: 'l2', batchSize: 1, bytes: 10 });
    d.bus.emit({ type: 'request.received', requestId: 'troubled', network: 'l2', batchSize: 1, bytes: 10 });
    d.bus.emit({ type: 'upstream.failover', requestId: 'troubled', network: 'l2', method: 'eth_call', from: 'a', to: 'b', reason: 'connect' });
    d.bus.emit({ type: 'request.received', requestId: 'third', network: 'l2', batchSize: 1, bytes: 10 }); // evicts 'plain'
    d.bus.emit({ type: 'request.received', requestId: 'fourth', network: 'l2', batchSize: 1, bytes: 10 }); // evicts 'troubled'
    assert.is(d.spans.ids('plain'), undefined);
    const ended = d.exporter.getFinishedSpans();
    assert.equal(ended.map((s) => [s.attributes['gateway.request_id'], s.attributes['gateway.abandoned']]), [['troubled', true]]);
    assert.equal(ended[0]!.events.map((e) => e.name), ['gateway.failover']);
    d.spans.endAll(); // 'third' and 'fourth' are plain: dropped at shutdown too
    assert.is(d.exporter.getFinishedSpans().length, 1);
    assert.is(d.started(), 1);
  } finally {
    await d.provider.shutdown();
  }
});

function logSink() {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk, _e, cb) {
      chunks.push(String(chunk));
      cb();
    },
  });
  return { stream, lines: () => chunks.join('').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>) };
}

test('through startTelemetry with the ratio at 0: traced requests log the exported ids, an untraced ok request logs none', async () => {
  const exporter = new InMemorySpanExporter();
  const out = logSink();
  const errors: unknown[] = [];
  const bus = new EventBus((err) => errors.push(err));
  const env = { METRICS_PORT: '0', METRICS_HOST: '127.0.0.1', LOG_REQUESTS: 'all', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:9', OTEL_BSP_SCHEDULE_DELAY: '50', TRACES_OK_RATIO: '0' };
  const telemetry: Telemetry = await startTelemetry(bus, loadTelemetryConfig(env), { spanExporter: exporter, logDestination: out.stream });
  try {
    emitCacheHit(bus, 'hit');
    await telemetry.flush();
    assert.is(exporter.getFinishedSpans().length, 0);
    emitFailover(bus, 'fo');
    bus.emit({ type: 'request.received', requestId: 'err', network: 'l1', batchSize: 1, bytes: 60 });
    bus.emit({ type: 'request.completed', requestId: 'err', network: 'l1', method: 'eth_foo', httpStatus: 200, errorCode: -32601, durationMs: 1 });
    await telemetry.flush();
    const byRequest = new Map(servers(exporter.getFinishedSpans()).map((s) => [s.attributes['gateway.request_id'], s.spanContext()]));
    assert.equal([...byRequest.keys()].sort(), ['err', 'fo']);

    const lines = out.lines();
    const completed = (id: string) => lines.find((l) => l.msg === 'request completed' && l.request_id === id)!;
    assert.ok(completed('hit'));
    assert.is(completed('hit').trace_id, undefined);
    assert.is(completed('hit').span_id, undefined);
    for (const id of ['fo', 'err']) {
      assert.is(completed(id).trace_id, byRequest.get(id)!.traceId);
      assert.is(completed(id).span_id, byRequest.get(id)!.spanId);
    }
    const failover = lines.find((l) => l.msg === 'upstream failover')!;
    assert.is(failover.trace_id, byRequest.get('fo')!.traceId);
    assert.is(failover.span_id, byRequest.get('fo')!.spanId);
    assert.equal(errors, []);
  } finally {
    await telemetry.shutdown();
  }
});

test.run();
