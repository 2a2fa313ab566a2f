// Spans from a realistic event sequence (a failover after a timeout), log correlation, and no key anywhere.
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { EventBus } from '../../gateway/src/events.ts';
import { loadTelemetryConfig, startTelemetry, type Telemetry } from '../../gateway/src/telemetry/index.ts';
import { RequestSpans } from '../../gateway/src/telemetry/requestSpans.ts';

const KEY = 'q3Jx0d5yqk2m1Zb7n8v6c4x2z0a9s8d7f6g5h4j3k2l';
const MEMBER = '0x1111111111111111111111111111111111111111';
// Every request traced, as before sampling: these tests pin the span shapes (telemetry_sampling tests the sampling).
const BASE_ENV = { METRICS_PORT: '0', METRICS_HOST: '127.0.0.1', OTEL_BSP_SCHEDULE_DELAY: '50', LOG_REQUESTS: 'all', TRACES_OK_RATIO: '1' };

interface Harness {
  bus: EventBus;
  telemetry: Telemetry;
  lines: () => Array<Record<string, unknown>>;
  raw: () => string;
  listenerErrors: unknown[];
}

async function start(env: Record<string, string>, exporter?: InMemorySpanExporter): Promise<Harness> {
  const chunks: string[] = [];
  const logDestination = new Writable({
    write(chunk, _enc, cb) {
      chunks.push(String(chunk));
      cb();
    },
  });
  const listenerErrors: unknown[] = [];
  const bus = new EventBus((err) => listenerErrors.push(err));
  const telemetry = await startTelemetry(bus, loadTelemetryConfig({ ...BASE_ENV, ...env }), {
    ...(exporter ? { spanExporter: exporter } : {}),
    logDestination,
  });
  const raw = () => chunks.join('');
  const lines = () => raw().split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);
  return { bus, telemetry, lines, raw, listenerErrors };
}

/** One member request: cache miss, attempt on node-a times out, failover, node-b answers. Keys hidden in free text. */
function emitFailoverRequest(bus: EventBus, requestId: string): { t0: number } {
  const t0 = Date.now() - 400;
  bus.emit({ type: 'access.granted', requestId, network: 'l2', memberAddress: MEMBER, keyId: 'key-1' });
  bus.emit({ type: 'request.received', requestId, network: 'l2', batchSize: 1, bytes: 120 });
  bus.emit({ type: 'cache.lookup', requestId, network: 'l2', method: 'eth_call', result: 'miss', tier: 'head' });
  bus.emit({
    type: 'upstream.attempt',
    requestId,
    network: 'l2',
    node: 'node-a',
    method: 'eth_call',
    attempt: 1,
    outcome: 'timeout',
    durationMs: 250,
    startTime: t0,
    detail: `no answer in 250 ms (client called POST https://gw.example/api/${KEY}/l2)`,
  });
  bus.emit({ type: 'upstream.failover', requestId, network: 'l2', method: 'eth_call', from: 'node-a', to: 'node-b', reason: 'timeout' });
  bus.emit({
    type: 'upstream.attempt',
    requestId,
    network: 'l2',
    node: 'node-b',
    method: 'eth_call',
    attempt: 2,
    outcome: 'ok',
    durationMs: 40,
    startTime: t0 + 260,
  });
  bus.emit({ type: 'rpc.call', requestId, network: 'l2', method: 'eth_call', outcome: 'ok', source: 'upstream', durationMs: 300 });
  bus.emit({ type: 'gateway.error', where: 'test', message: `something mentioned /api/${KEY}/l1` });
  bus.emit({ type: 'request.completed', requestId, network: 'l2', method: 'eth_call', httpStatus: 200, durationMs: 310, memberAddress: MEMBER, keyId: 'key-1' });
  return { t0 };
}

const ms = (t: [number, number]) => t[0] * 1000 + t[1] / 1e6;

test('a failover request becomes one server span with two attempt children, cache and failover span events', async () => {
  const exporter = new InMemorySpanExporter();
  const h = await start({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:9' }, exporter);
  try {
    assert.ok(h.telemetry.tracing);
    const { t0 } = emitFailoverRequest(h.bus, 'req-1');
    await h.telemetry.flush();
    const spans = exporter.getFinishedSpans();
    assert.is(spans.length, 3);
    const server = spans.find((s) => s.kind === SpanKind.SERVER)!;
    const attempts = spans.filter((s) => s.kind === SpanKind.CLIENT).sort((a, b) => Number(a.attributes['gateway.attempt']) - Number(b.attributes['gateway.attempt']));
    assert.ok(server);
    assert.is(attempts.length, 2);

    assert.is(server.name, 'POST /api/:key/l2');
    assert.is(server.parentSpanContext, undefined);
    assert.equal(
      { ...server.attributes },
      {
        'http.request.method': 'POST',
        'http.route': '/api/:key/l2',
        'rpc.system': 'jsonrpc',
        'gateway.network': 'l2',
        'gateway.request_id': 'req-1',
        'gateway.member': MEMBER,
        'gateway.batch_size': 1,
        'http.request.body.size': 120,
        'rpc.method': 'eth_call',
        'http.response.status_code': 200,
        'gateway.outcome': 'ok',
      },
    );
    assert.equal(
      server.events.map((e) => [e.name, { ...e.attributes }]),
      [
        ['gateway.cache.lookup', { 'rpc.method': 'eth_call', 'gateway.cache.result': 'miss', 'gateway.cache.tier': 'head' }],
        ['gateway.failover', { 'rpc.method': 'eth_call', 'gateway.failover.from': 'node-a', 'gateway.failover.to': 'node-b', 'gateway.failover.reason': 'timeout' }],
      ],
    );
    assert.is(server.status.code, SpanStatusCode.UNSET);

    const [a, b] = attempts as [ReadableSpan, ReadableSpan];
    for (const s of attempts) {
      assert.is(s.spanContext().traceId, server.spanContext().traceId);
      assert.is(s.parentSpanContext?.spanId, server.spanContext().spanId);
      assert.is(s.name, 'eth_call');
    }
    assert.equal(
      { ...a.attributes },
      {
        'rpc.system': 'jsonrpc',
        'rpc.method': 'eth_call',
        'server.address': 'node-a',
        'gateway.network': 'l2',
        'gateway.node': 'node-a',
        'gateway.attempt': 1,
        'gateway.outcome': 'timeout',
        'error.type': 'timeout',
      },
    );
    assert.is(a.status.code, SpanStatusCode.ERROR);
    assert.ok(a.status.message?.includes('/api/<redacted>/l2'));
    assert.is(b.attributes['server.address'], 'node-b');
    assert.is(b.attributes['gateway.outcome'], 'ok');
    assert.is(b.status.code, SpanStatusCode.UNSET);
    // Attempt spans carry the times the events reported, not the time the subscriber saw them.
    assert.ok(Math.abs(ms(a.startTime) - t0) < 1);
    assert.ok(Math.abs(ms(a.endTime) - (t0 + 250)) < 1);
    assert.ok(Math.abs(ms(b.startTime) - (t0 + 260)) < 1);
    assert.ok(Math.abs(ms(b.endTime) - (t0 + 300)) < 1);

    // The log lines of this request carry the server span's ids.
    const lines = h.lines();
    const completed = lines.find((l) => l.msg === 'request completed')!;
    const failover = lines.find((l) => l.msg === 'upstream failover')!;
    assert.is(completed.trace_id, server.spanContext().traceId);
    assert.is(completed.span_id, server.spanContext().spanId);
    assert.is(failover.trace_id, server.spanContext().traceId);
    assert.equal(h.listenerErrors, []);
  } finally {
    await h.telemetry.shutdown();
  }
});

test('no key reaches spans (names, attributes, events, status) or logs', async () => {
  const exporter = new InMemorySpanExporter();
  const h = await start({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:9' }, exporter);
  try {
    emitFailoverRequest(h.bus, 'req-2');
    // A member sending a key-shaped method name: it reaches attributes and span names only redacted.
    h.bus.emit({ type: 'access.granted', requestId: 'req-3', network: 'l1', memberAddress: MEMBER, keyId: 'key-1' });
    h.bus.emit({ type: 'cache.lookup', requestId: 'req-3', network: 'l1', method: `/api/${KEY}/l1`, result: 'bypass' });
    h.bus.emit({ type: 'upstream.attempt', requestId: 'req-3', network: 'l1', node: 'n', method: `/api/${KEY}/l1`, attempt: 1, outcome: 'rpc_error', errorCode: -32601, durationMs: 1, startTime: Date.now() - 2 });
    h.bus.emit({ type: 'request.completed', requestId: 'req-3', network: 'l1', method: `/api/${KEY}/l1`, httpStatus: 200, errorCode: -32601, durationMs: 3 });
    await h.telemetry.flush();
    const spans = exporter.getFinishedSpans();
    assert.is(spans.length, 5);
    const dump = JSON.stringify(spans.map((s) => ({ name: s.name, attributes: s.attributes, events: s.events, status: s.status })));
    assert.ok(dump.includes('/api/<redacted>'));
    assert.not.ok(dump.includes(KEY));
    assert.ok(h.raw().includes('/api/<redacted>'));
    assert.not.ok(h.raw().includes(KEY));
  } finally {
    await h.telemetry.shutdown();
  }
});

test('a denied request still gets a server span, marked denied, and its log line the same trace id', async () => {
  const exporter = new InMemorySpanExporter();
  const h = await start({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:9' }, exporter);
  try {
    h.bus.emit({ type: 'access.denied', requestId: 'req-d', network: 'l1', reason: 'revoked_key' });
    h.bus.emit({ type: 'request.completed', requestId: 'req-d', network: 'l1', method: 'invalid', httpStatus: 401, errorCode: -32001, durationMs: 2 });
    await h.telemetry.flush();
    const [span] = exporter.getFinishedSpans();
    assert.ok(span);
    assert.is(span.attributes['gateway.outcome'], 'denied');
    assert.is(span.attributes['gateway.deny_reason'], 'revoked_key');
    assert.equal(span.events.map((e) => e.name), ['gateway.access.denied']);
    const line = h.lines().find((l) => l.msg === 'request completed')!;
    assert.is(line.outcome, 'denied');
    assert.is(line.deny_reason, 'revoked_key');
    assert.is(line.trace_id, span.spanContext().traceId);
  } finally {
    await h.telemetry.shutdown();
  }
});

test('exhaustion is a span event and marks the server span as an error', async () => {
  const exporter = new InMemorySpanExporter();
  const h = await start({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:9' }, exporter);
  try {
    h.bus.emit({ type: 'request.received', requestId: 'req-x', network: 'l2', batchSize: 1, bytes: 60 });
    h.bus.emit({ type: 'upstream.exhausted', requestId: 'req-x', network: 'l2', method: 'eth_blockNumber', attempts: 0, reason: 'no_healthy_node' });
    h.bus.emit({ type: 'request.completed', requestId: 'req-x', network: 'l2', method: 'eth_blockNumber', httpStatus: 200, errorCode: -32002, durationMs: 1 });
    await h.telemetry.flush();
    const [span] = exporter.getFinishedSpans();
    assert.ok(span);
    assert.is(span.status.code, SpanStatusCode.ERROR);
    assert.is(span.attributes['rpc.jsonrpc.error_code'], -32002);
    assert.equal(span.events.map((e) => [e.name, e.attributes?.['gateway.exhausted.reason']]), [['gateway.upstream.exhausted', 'no_healthy_node']]);
  } finally {
    await h.telemetry.shutdown();
  }
});

test('with OTEL_EXPORTER_OTLP_ENDPOINT unset, no span is created and log lines carry no trace id', async () => {
  const exporter = new InMemorySpanExporter();
  const h = await start({}, exporter);
  try {
    assert.is(h.telemetry.tracing, false);
    emitFailoverRequest(h.bus, 'req-off');
    await h.telemetry.flush();
    assert.is(exporter.getFinishedSpans().length, 0);
    const completed = h.lines().find((l) => l.msg === 'request completed')!;
    assert.ok(completed);
    assert.is(completed.trace_id, undefined);
    assert.is(completed.node, 'node-b');
  } finally {
    await h.telemetry.shutdown();
  }
});

test('spans go out over real OTLP/HTTP JSON to the configured endpoint, with the configured headers', async () => {
  const bodies: Array<{ url: string; headers: IncomingMessage['headers']; body: string }> = [];
  const collector = createServer((req, res) => {
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', () => {
      bodies.push({ url: req.url ?? '', headers: req.headers, body });
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((r) => collector.listen(0, '127.0.0.1', r));
  const port = (collector.address() as AddressInfo).port;
  const h = await start({ OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${port}`, OTEL_EXPORTER_OTLP_HEADERS: 'x-scope-orgid=gateway' });
  try {
    emitFailoverRequest(h.bus, 'req-otlp');
    await h.telemetry.flush();
    assert.ok(bodies.length >= 1);
    const sent = bodies[0]!;
    assert.is(sent.url, '/v1/traces');
    assert.is(sent.headers['x-scope-orgid'], 'gateway');
    assert.not.ok(bodies.some((b) => b.body.includes(KEY)));
    const payload = JSON.parse(sent.body) as {
      resourceSpans: Array<{
        resource: { attributes: Array<{ key: string; value: { stringValue?: string } }> };
        scopeSpans: Array<{ spans: Array<{ name: string; traceId: string; parentSpanId?: string; spanId: string }> }>;
      }>;
    };
    const resource = payload.resourceSpans[0]!.resource.attributes.find((a) => a.key === 'service.name');
    assert.is(resource?.value.stringValue, 'community-rpc-gateway');
    const names = payload.resourceSpans.flatMap((r) => r.scopeSpans.flatMap((s) => s.spans.map((x) => x.name))).sort();
    assert.equal(names, ['POST /api/:key/l2', 'eth_call', 'eth_call']);
  } finally {
    await h.telemetry.shutdown();
    await new Promise<void>((r) => collector.close(() => r()));
  }
});

test('open spans are bounded: beyond the cap the oldest request is ended as abandoned, and shutdown ends the rest', async () => {
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  const spans = new RequestSpans(provider.getTracer('t'), { maxOpen: 3, maxAgeMs: 60_000 }, { okRatio: 1, slowMs: 1000 });
  const bus = new EventBus();
  spans.subscribe(bus);
  for (let i = 0; i < 5; i++) bus.emit({ type: 'request.received', requestId: `o${i}`, network: 'l2', batchSize: 1, bytes: 10 });
  const ended = () => exporter.getFinishedSpans().map((s) => [s.attributes['gateway.request_id'], s.attributes['gateway.abandoned']]);
  assert.equal(ended(), [['o0', true], ['o1', true]]);
  assert.ok(spans.ids('o4'));
  assert.is(spans.ids('o0'), undefined);
  spans.endAll();
  assert.is(exporter.getFinishedSpans().length, 5);
  await provider.shutdown();
});

test.run();
