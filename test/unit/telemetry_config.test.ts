import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ConfigError } from '../../gateway/src/config.ts';
import { loadTelemetryConfig } from '../../gateway/src/telemetry/config.ts';

function configError(env: Record<string, string>): ConfigError {
  try {
    loadTelemetryConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error('expected a ConfigError');
}

test('defaults run with nothing set: info logs, metrics on 0.0.0.0:9464, no traces, no Loki', () => {
  const c = loadTelemetryConfig({});
  assert.is(c.logLevel, 'info');
  assert.equal(c.metrics, { host: '0.0.0.0', port: 9464 });
  assert.is(c.traces, undefined);
  assert.is(c.loki, undefined);
  assert.is(c.serviceName, 'community-rpc-gateway');
});

test('OTEL_EXPORTER_OTLP_ENDPOINT is a base: /v1/traces is appended; the traces endpoint is used as is', () => {
  assert.is(loadTelemetryConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318/' }).traces?.url, 'http://collector:4318/v1/traces');
  assert.is(
    loadTelemetryConfig({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'https://otlp.example/custom/traces' }).traces?.url,
    'https://otlp.example/custom/traces',
  );
});

test('OTLP headers are parsed as URL-encoded key=value pairs', () => {
  const c = loadTelemetryConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318', OTEL_EXPORTER_OTLP_HEADERS: 'Authorization=Basic%20abc,x-tenant=gw' });
  assert.equal(c.traces?.headers, { Authorization: 'Basic abc', 'x-tenant': 'gw' });
});

test('tracing stays off when the SDK or the traces exporter is disabled', () => {
  assert.is(loadTelemetryConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318', OTEL_SDK_DISABLED: 'true' }).traces, undefined);
  assert.is(loadTelemetryConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318', OTEL_TRACES_EXPORTER: 'none' }).traces, undefined);
});

test('LOKI_URL gets the push path once, and credentials in it become basic auth, out of the URL', () => {
  assert.is(loadTelemetryConfig({ LOKI_URL: 'http://loki:3100' }).loki?.pushUrl, 'http://loki:3100/loki/api/v1/push');
  assert.is(loadTelemetryConfig({ LOKI_URL: 'http://loki:3100/loki/api/v1/push' }).loki?.pushUrl, 'http://loki:3100/loki/api/v1/push');
  const c = loadTelemetryConfig({ LOKI_URL: 'https://123456:glc_s%40cret@logs.example.net' });
  assert.is(c.loki?.pushUrl, 'https://logs.example.net/loki/api/v1/push');
  assert.equal(c.loki?.basicAuth, { username: '123456', password: 'glc_s@cret' });
});

test('LOKI_BASIC_AUTH is user:password, the password may contain colons', () => {
  const c = loadTelemetryConfig({ LOKI_URL: 'http://loki:3100', LOKI_BASIC_AUTH: 'tenant:pa:ss' });
  assert.equal(c.loki?.basicAuth, { username: 'tenant', password: 'pa:ss' });
  assert.is(configError({ LOKI_URL: 'http://loki:3100', LOKI_BASIC_AUTH: 'nocolon' }).variable, 'LOKI_BASIC_AUTH');
});

test('bad values fail with a ConfigError naming the variable, without echoing URLs', () => {
  assert.is(configError({ LOG_LEVEL: 'loud' }).variable, 'LOG_LEVEL');
  assert.is(configError({ METRICS_PORT: '70000' }).variable, 'METRICS_PORT');
  assert.is(configError({ METRICS_PORT: 'abc' }).variable, 'METRICS_PORT');
  assert.is(configError({ STATS_TIMEOUT_MS: '0' }).variable, 'STATS_TIMEOUT_MS');
  assert.is(configError({ OTEL_EXPORTER_OTLP_ENDPOINT: 'collector:4318' }).variable, 'OTEL_EXPORTER_OTLP_ENDPOINT');
  assert.is(configError({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c', OTEL_BSP_MAX_QUEUE_SIZE: '10', OTEL_BSP_MAX_EXPORT_BATCH_SIZE: '20' }).variable, 'OTEL_BSP_MAX_EXPORT_BATCH_SIZE');
  const e = configError({ LOKI_URL: 'ftp://user:secret@loki' });
  assert.is(e.variable, 'LOKI_URL');
  assert.not.ok(e.message.includes('secret'));
  assert.is(configError({ LOKI_URL: 'http://loki', LOKI_MAX_BUFFERED_LINES: '0' }).variable, 'LOKI_MAX_BUFFERED_LINES');
});

test('METRICS_PORT=0 (an ephemeral port, for tests) and LOG_LEVEL in any case are accepted', () => {
  assert.is(loadTelemetryConfig({ METRICS_PORT: '0' }).metrics.port, 0);
  assert.is(loadTelemetryConfig({ LOG_LEVEL: 'DEBUG' }).logLevel, 'debug');
});

test('trace sampling defaults to every interesting request and a tenth of the rest, and reads TRACES_OK_RATIO and TRACES_SLOW_MS', () => {
  assert.equal(loadTelemetryConfig({}).traceSampling, { okRatio: 0.01, slowMs: 1000 });
  assert.equal(loadTelemetryConfig({ TRACES_OK_RATIO: '0', TRACES_SLOW_MS: '250' }).traceSampling, { okRatio: 0, slowMs: 250 });
  assert.is(loadTelemetryConfig({ TRACES_OK_RATIO: '1' }).traceSampling.okRatio, 1);
  assert.is(loadTelemetryConfig({ TRACES_OK_RATIO: ' 0.25 ' }).traceSampling.okRatio, 0.25);
  assert.is(loadTelemetryConfig({ TRACES_OK_RATIO: '.5' }).traceSampling.okRatio, 0.5);
});

test('a bad TRACES_OK_RATIO or TRACES_SLOW_MS is a ConfigError naming it, even with tracing off', () => {
  for (const bad of ['1.5', '-0.1', 'abc', '10%', '1e-1', 'NaN', '0.5.5']) assert.is(configError({ TRACES_OK_RATIO: bad }).variable, 'TRACES_OK_RATIO', bad);
  for (const bad of ['1.5', '-1', 'soon', '600001']) assert.is(configError({ TRACES_SLOW_MS: bad }).variable, 'TRACES_SLOW_MS', bad);
});

test.run();
