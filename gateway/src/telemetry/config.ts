// Typed, validated telemetry configuration from the environment. Every default runs with nothing set:
// logs to stdout, metrics on :9464, no traces, no Loki.
import { ConfigError, envBool as bool, envInt as int, envRatio, httpUrl, type Env } from '../common/env.ts';
import { DEFAULT_TRACE_SAMPLING, type TraceSampling } from './traceSampling.ts';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export interface TraceExportConfig {
  /** Full OTLP/HTTP traces URL, e.g. http://collector:4318/v1/traces. */
  url: string;
  headers: Record<string, string>;
  /** BatchSpanProcessor bounds: spans beyond the queue are dropped, never buffered without limit. */
  maxQueueSize: number;
  maxExportBatchSize: number;
  scheduledDelayMs: number;
  exportTimeoutMs: number;
}

export interface LokiConfig {
  /** Full push URL, e.g. http://loki:3100/loki/api/v1/push. Never carries credentials (see basicAuth). */
  pushUrl: string;
  basicAuth?: { username: string; password: string };
  batchIntervalMs: number;
  /** Lines held while Loki is slow or down; the oldest are dropped beyond this. */
  maxBufferedLines: number;
  timeoutMs: number;
}

/** Which completed requests get a log line: every one, or only those not answered ok (the default). */
export type RequestLogMode = 'all' | 'errors';

export interface TelemetryConfig {
  serviceName: string;
  logLevel: LogLevel;
  requestLogs: RequestLogMode;
  metrics: { host: string; port: number };
  /** Absent: no tracer, no span objects at all. */
  traces?: TraceExportConfig;
  /** Which completed requests get spans when tracing is on (read and checked even when it is off). */
  traceSampling: TraceSampling;
  loki?: LokiConfig;
  /** Longest a scrape waits for the stats provider (database counts) before using the last good values. */
  statsTimeoutMs: number;
}


export function loadTelemetryConfig(env: Env = process.env): TelemetryConfig {
  const config: TelemetryConfig = {
    serviceName: env.OTEL_SERVICE_NAME?.trim() || 'community-rpc-gateway',
    logLevel: logLevel(env),
    requestLogs: requestLogMode(env),
    metrics: {
      host: env.METRICS_HOST?.trim() || '0.0.0.0',
      port: int(env, 'METRICS_PORT', 9464, 0, 65535),
    },
    statsTimeoutMs: int(env, 'STATS_TIMEOUT_MS', 1000, 10, 30_000),
    traceSampling: {
      okRatio: envRatio(env, 'TRACES_OK_RATIO', DEFAULT_TRACE_SAMPLING.okRatio),
      slowMs: int(env, 'TRACES_SLOW_MS', DEFAULT_TRACE_SAMPLING.slowMs, 0, 600_000),
    },
  };
  const traces = traceExport(env);
  if (traces) config.traces = traces;
  const loki = lokiConfig(env);
  if (loki) config.loki = loki;
  return config;
}

function requestLogMode(env: Env): RequestLogMode {
  const raw = env.LOG_REQUESTS?.trim().toLowerCase();
  if (!raw) return 'errors';
  if (raw !== 'all' && raw !== 'errors') throw new ConfigError('LOG_REQUESTS', `must be all or errors, got "${raw.slice(0, 40)}"`);
  return raw;
}

function logLevel(env: Env): LogLevel {
  const raw = env.LOG_LEVEL?.trim().toLowerCase();
  if (!raw) return 'info';
  if (!(LOG_LEVELS as readonly string[]).includes(raw)) {
    throw new ConfigError('LOG_LEVEL', `must be one of ${LOG_LEVELS.join(', ')}, got "${raw}"`);
  }
  return raw as LogLevel;
}

function traceExport(env: Env): TraceExportConfig | undefined {
  const base = env.OTEL_EXPORTER_OTLP_ENDPOINT?.trim();
  const full = env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT?.trim();
  if (!base && !full) return undefined;
  if (bool(env, 'OTEL_SDK_DISABLED', false) || env.OTEL_TRACES_EXPORTER?.trim().toLowerCase() === 'none') return undefined;
  // Per the OTLP spec the base endpoint gets /v1/traces appended; the signal-specific one is used as is.
  const url = full ? httpUrl('OTEL_EXPORTER_OTLP_TRACES_ENDPOINT', full) : `${httpUrl('OTEL_EXPORTER_OTLP_ENDPOINT', base!).replace(/\/+$/, '')}/v1/traces`;
  const maxQueueSize = int(env, 'OTEL_BSP_MAX_QUEUE_SIZE', 2048, 1, 100_000);
  const maxExportBatchSize = int(env, 'OTEL_BSP_MAX_EXPORT_BATCH_SIZE', 512, 1, 100_000);
  if (maxExportBatchSize > maxQueueSize) {
    throw new ConfigError('OTEL_BSP_MAX_EXPORT_BATCH_SIZE', 'must not exceed OTEL_BSP_MAX_QUEUE_SIZE');
  }
  return {
    url,
    headers: otlpHeaders(env.OTEL_EXPORTER_OTLP_TRACES_HEADERS ?? env.OTEL_EXPORTER_OTLP_HEADERS),
    maxQueueSize,
    maxExportBatchSize,
    scheduledDelayMs: int(env, 'OTEL_BSP_SCHEDULE_DELAY', 5000, 10, 600_000),
    exportTimeoutMs: int(env, 'OTEL_BSP_EXPORT_TIMEOUT', 10_000, 100, 600_000),
  };
}

/** `key=value,key2=value2` with URL-encoded values, as the OTLP exporter spec defines it. */
function otlpHeaders(raw: string | undefined): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const item of (raw ?? '').split(',')) {
    const eq = item.indexOf('=');
    if (!item.trim()) continue;
    if (eq <= 0) throw new ConfigError('OTEL_EXPORTER_OTLP_HEADERS', 'each item must be key=value');
    try {
      headers[decodeURIComponent(item.slice(0, eq).trim())] = decodeURIComponent(item.slice(eq + 1).trim());
    } catch {
      throw new ConfigError('OTEL_EXPORTER_OTLP_HEADERS', 'an item is not valid URL encoding');
    }
  }
  return headers;
}

function lokiConfig(env: Env): LokiConfig | undefined {
  const raw = env.LOKI_URL?.trim();
  if (!raw) return undefined;
  const url = new URL(httpUrl('LOKI_URL', raw));
  // fetch refuses URLs with credentials, so user:pass@ in LOKI_URL becomes basic auth.
  let basicAuth = url.username ? { username: decodeURIComponent(url.username), password: decodeURIComponent(url.password) } : undefined;
  url.username = '';
  url.password = '';
  const auth = env.LOKI_BASIC_AUTH?.trim();
  if (auth) {
    const colon = auth.indexOf(':');
    if (colon <= 0) throw new ConfigError('LOKI_BASIC_AUTH', 'must be user:password');
    basicAuth = { username: auth.slice(0, colon), password: auth.slice(colon + 1) };
  }
  const path = url.pathname.replace(/\/+$/, '');
  url.pathname = path.endsWith('/loki/api/v1/push') ? path : `${path}/loki/api/v1/push`;
  const config: LokiConfig = {
    pushUrl: url.href,
    batchIntervalMs: int(env, 'LOKI_BATCH_INTERVAL_MS', 2000, 50, 60_000),
    maxBufferedLines: int(env, 'LOKI_MAX_BUFFERED_LINES', 5000, 1, 1_000_000),
    timeoutMs: int(env, 'LOKI_TIMEOUT_MS', 5000, 100, 120_000),
  };
  if (basicAuth) config.basicAuth = basicAuth;
  return config;
}
