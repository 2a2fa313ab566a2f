// Telemetry is only subscribers: spans, metrics and logs are built from the events the request path
// emits on the bus. The core never imports this directory; the composition root starts it.
import type { SpanExporter } from '@opentelemetry/sdk-trace-base';
import type { DestinationStream, Logger } from 'pino';
import { ConfigError } from '../common/env.ts';
import type { EventBus } from '../events.ts';
import type { TelemetryConfig } from './config.ts';
import { createLogger } from './logger.ts';
import { createLokiStream } from './loki.ts';
import { createMetrics } from './metrics.ts';
import { serveMetrics } from './metricsServer.ts';
import { RequestLogs } from './requestLogs.ts';
import { RequestSpans } from './requestSpans.ts';
import type { StatsProvider } from './statsCache.ts';
import { startTracing } from './tracing.ts';
import { packageVersion } from './version.ts';

export { loadTelemetryConfig, type TelemetryConfig } from './config.ts';
export { methodLabel } from './methodLabel.ts';
export type { Stats, StatsProvider } from './statsCache.ts';

export interface Telemetry {
  logger: Logger;
  /** The port /metrics is bound to (the real one when METRICS_PORT=0). */
  metricsPort: number;
  /** True when spans are recorded and exported (OTEL_EXPORTER_OTLP_ENDPOINT is set). */
  tracing: boolean;
  /** Registers the source of the database-backed gauges; read at scrape time, time-boxed. */
  setStatsProvider(provider: StatsProvider): void;
  /** Exports finished spans and flushes the log destination now (Loki ships on its own interval). */
  flush(): Promise<void>;
  shutdown(): Promise<void>;
}

export interface TelemetryOptions {
  /** Replaces the OTLP exporter (tests); spans are still only recorded when tracing is configured (and sampled: TRACES_OK_RATIO). */
  spanExporter?: SpanExporter;
  /** Replaces stdout as the log destination (tests). */
  logDestination?: DestinationStream;
}

export async function startTelemetry(bus: EventBus, cfg: TelemetryConfig, opts: TelemetryOptions = {}): Promise<Telemetry> {
  const version = packageVersion();
  const loki = cfg.loki ? createLokiStream(cfg.loki, cfg.serviceName) : undefined;
  const logger = createLogger({
    level: cfg.logLevel,
    serviceName: cfg.serviceName,
    ...(opts.logDestination ? { destination: opts.logDestination } : {}),
    ...(loki ? { extra: [loki.stream] } : {}),
  });

  const metrics = createMetrics({ serviceName: cfg.serviceName, version, statsTimeoutMs: cfg.statsTimeoutMs });
  let server;
  try {
    server = await serveMetrics(metrics.exporter, cfg.metrics.host, cfg.metrics.port);
  } catch (err) {
    await Promise.allSettled([metrics.shutdown(), loki?.close()]);
    const reason = err instanceof Error ? ((err as NodeJS.ErrnoException).code ?? err.message) : String(err);
    throw new ConfigError('METRICS_PORT', `cannot listen on ${cfg.metrics.host}:${cfg.metrics.port} (${reason})`);
  }

  // Without a trace endpoint there is no tracer and no span subscriber: no span objects at all.
  const tracing = cfg.traces ? startTracing(cfg.traces, { name: cfg.serviceName, version }, opts.spanExporter) : undefined;
  const spans = tracing ? new RequestSpans(tracing.tracer, undefined, cfg.traceSampling, tracing.idGenerator) : undefined;
  const logs = new RequestLogs(logger, spans ? (requestId) => spans.ids(requestId) : undefined, cfg.requestLogs);

  // A request's completion goes to spans first, and their decision (the trace ids, or none) to its log line.
  const completed = bus.on('request.completed', (e) => logs.completed(e, spans?.complete(e)));
  const unsubscribe = [...(spans ? [spans.subscribe(bus)] : []), logs.subscribe(bus), metrics.subscribe(bus), completed];

  let stopping: Promise<void> | undefined;
  return {
    logger,
    metricsPort: server.port,
    tracing: tracing !== undefined,
    setStatsProvider: (provider) => metrics.setStatsProvider(provider),
    flush: async () => {
      await Promise.allSettled([tracing?.flush(), new Promise<void>((resolve) => logger.flush(() => resolve()))]);
    },
    shutdown: () =>
      (stopping ??= (async () => {
        for (const off of unsubscribe) off();
        spans?.endAll();
        await Promise.allSettled([tracing?.shutdown(), server.close(), metrics.shutdown()]);
        await new Promise<void>((resolve) => logger.flush(() => resolve()));
        await loki?.close();
      })()),
  };
}
