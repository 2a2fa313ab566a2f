// npm run bench:telemetry: what each part of telemetry costs per cache-hit request, in isolation.
// The exact event sequence the gateway emits for one cache hit is replayed N times on a bus that has
// only that part subscribed; the difference to an empty bus is that part's cost per request.
import { Writable } from 'node:stream';
import { ExportResultCode } from '@opentelemetry/core';
import type { SpanExporter } from '@opentelemetry/sdk-trace-base';
import { EventBus } from '../../gateway/src/events.ts';
import { loadTelemetryConfig, startTelemetry } from '../../gateway/src/telemetry/index.ts';

const N = Number(process.env.MICRO_N ?? 200_000);
const dropSpans: SpanExporter = { export: (_s, done) => done({ code: ExportResultCode.SUCCESS }), shutdown: async () => {} };
const sink = new Writable({ write: (_c, _e, cb) => cb() });

function replay(bus: EventBus, n: number): number {
  const t0 = performance.now();
  for (let i = 0; i < n; i++) {
    const requestId = `r${i}`;
    bus.emit({ type: 'access.granted', requestId, network: 'l2', memberAddress: '0xabababababababababababababababababababab', keyId: '1' });
    bus.emit({ type: 'request.received', requestId, network: 'l2', batchSize: 1, bytes: 80 });
    bus.emit({ type: 'cache.lookup', requestId, network: 'l2', method: 'eth_getBlockByNumber', result: 'hit', tier: 'block' });
    bus.emit({ type: 'rpc.call', requestId, network: 'l2', method: 'eth_getBlockByNumber', outcome: 'ok', source: 'upstream', durationMs: 0.05 });
    bus.emit({ type: 'request.completed', requestId, network: 'l2', method: 'eth_getBlockByNumber', httpStatus: 200, durationMs: 0.3, memberAddress: '0xabababababababababababababababababababab', keyId: '1' });
  }
  return ((performance.now() - t0) * 1000) / n; // µs per request
}

const variants: Array<[string, Record<string, string> | undefined]> = [
  ['empty bus', undefined],
  ['metrics only (tracing off, LOG_REQUESTS=errors)', {}],
  ['metrics + traces (LOG_REQUESTS=errors)', { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:9/unused' }],
  ['metrics + traces + every request logged', { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:9/unused', LOG_REQUESTS: 'all' }],
];
for (const [name, env] of variants) {
  const bus = new EventBus();
  const telemetry = env
    ? await startTelemetry(bus, loadTelemetryConfig({ METRICS_PORT: '0', METRICS_HOST: '127.0.0.1', ...env }), { spanExporter: dropSpans, logDestination: sink })
    : undefined;
  replay(bus, N / 4); // warm up
  const us = replay(bus, N);
  console.log(`${name.padEnd(52)} ${us.toFixed(2)} µs per request`);
  await telemetry?.shutdown();
}
