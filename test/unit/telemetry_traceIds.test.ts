// Per-request trace ids: valid W3C hex, and the SDK adopts them for exactly the one span started with them.
import { ROOT_CONTEXT, trace } from '@opentelemetry/api';
import { BasicTracerProvider } from '@opentelemetry/sdk-trace-base';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { randomTraceIds, ServerSpanIdGenerator } from '../../gateway/src/telemetry/traceIds.ts';

test('random ids are lowercase hex of W3C length, and differ', () => {
  const seen = new Set<string>();
  for (let i = 0; i < 1000; i++) {
    const { traceId, spanId } = randomTraceIds();
    assert.match(traceId, /^[0-9a-f]{32}$/);
    assert.match(spanId, /^[0-9a-f]{16}$/);
    assert.ok(trace.isSpanContextValid({ traceId, spanId, traceFlags: 1 }));
    seen.add(traceId);
  }
  assert.is(seen.size, 1000);
});

test('a span started inside withIds gets those ids; its children and later spans get random ones', async () => {
  const idGenerator = new ServerSpanIdGenerator();
  const provider = new BasicTracerProvider({ idGenerator });
  const tracer = provider.getTracer('t');
  const ids = randomTraceIds();
  const server = idGenerator.withIds(ids, () => tracer.startSpan('server', {}, ROOT_CONTEXT));
  assert.is(server.spanContext().traceId, ids.traceId);
  assert.is(server.spanContext().spanId, ids.spanId);
  const child = tracer.startSpan('child', {}, trace.setSpan(ROOT_CONTEXT, server));
  assert.is(child.spanContext().traceId, ids.traceId);
  assert.is.not(child.spanContext().spanId, ids.spanId);
  const next = tracer.startSpan('next', {}, ROOT_CONTEXT);
  assert.is.not(next.spanContext().traceId, ids.traceId);
  assert.is.not(next.spanContext().spanId, ids.spanId);
  await provider.shutdown();
});

test('ids handed over are forgotten even when starting the span throws', () => {
  const idGenerator = new ServerSpanIdGenerator();
  const ids = randomTraceIds();
  assert.throws(() =>
    idGenerator.withIds(ids, () => {
      throw new Error('boom');
    }),
  );
  assert.is.not(idGenerator.generateTraceId(), ids.traceId);
  assert.is.not(idGenerator.generateSpanId(), ids.spanId);
});

test.run();
