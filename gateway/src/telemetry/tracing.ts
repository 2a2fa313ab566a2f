// The tracer provider: OTLP/HTTP (JSON) export through a bounded BatchSpanProcessor. Not registered
// globally: the span subscriber holds the tracer, nothing else in the process can reach it. Its id
// generator lets a server span built at completion carry the ids the request's log lines already used.
import type { Tracer } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, BatchSpanProcessor, type SpanExporter } from '@opentelemetry/sdk-trace-base';
import type { TraceExportConfig } from './config.ts';
import { ServerSpanIdGenerator } from './traceIds.ts';

export interface Tracing {
  tracer: Tracer;
  /** The provider's id generator: RequestSpans hands it the ids of each server span it builds. */
  idGenerator: ServerSpanIdGenerator;
  flush(): Promise<void>;
  shutdown(): Promise<void>;
}

export function startTracing(cfg: TraceExportConfig, service: { name: string; version: string }, exporter?: SpanExporter): Tracing {
  const spanExporter = exporter ?? new OTLPTraceExporter({ url: cfg.url, headers: cfg.headers, timeoutMillis: cfg.exportTimeoutMs });
  const idGenerator = new ServerSpanIdGenerator();
  const provider = new BasicTracerProvider({
    idGenerator,
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
    idGenerator,
    flush: () => provider.forceFlush(),
    shutdown: () => provider.shutdown(),
  };
}
