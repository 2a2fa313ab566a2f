// The tracer provider: OTLP/HTTP (JSON) export through a bounded BatchSpanProcessor. Not registered
// globally: the span subscriber holds the tracer, nothing else in the process can reach it.
import type { Tracer } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, BatchSpanProcessor, type SpanExporter } from '@opentelemetry/sdk-trace-base';
import type { TraceExportConfig } from './config.ts';

export interface Tracing {
  tracer: Tracer;
  flush(): Promise<void>;
  shutdown(): Promise<void>;
}

export function startTracing(cfg: TraceExportConfig, service: { name: string; version: string }, exporter?: SpanExporter): Tracing {
  const spanExporter = exporter ?? new OTLPTraceExporter({ url: cfg.url, headers: cfg.headers, timeoutMillis: cfg.exportTimeoutMs });
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': service.name, 'service.version': service.version }),
    spanProcessors: [
      new BatchSpanProcessor(spanExporter, {
        maxQueueSize: cfg.maxQueueSize, // beyond this, new spans are dropped: a dead collector costs bounded memory
        maxExportBatchSize: cfg.maxExportBatchSize,
        scheduledDelayMillis: cfg.scheduledDelayMs,
        exportTimeoutMillis: cfg.exportTimeoutMs,
      }),
    ],
  });
  return {
    tracer: provider.getTracer('community-rpc-gateway', service.version),
    flush: () => provider.forceFlush(),
    shutdown: () => provider.shutdown(),
  };
}
