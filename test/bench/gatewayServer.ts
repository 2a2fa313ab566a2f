// Child-process entry: the real gateway for the benchmark, in front of the node given in argv[2].
// argv[3] = 'telemetry' turns metrics, traces and logs on with the defaults (requests logged when not ok);
// 'telemetry-all' also logs every request (LOG_REQUESTS=all).
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { ExportResultCode } from '@opentelemetry/core';
import type { SpanExporter } from '@opentelemetry/sdk-trace-base';
import { createMemberKey } from '../../gateway/src/membership/keys.ts';
import { loadConfig } from '../../gateway/src/config.ts';
import { EventBus } from '../../gateway/src/events.ts';
import { startGateway } from '../../gateway/src/gateway.ts';
import { loadTelemetryConfig, startTelemetry } from '../../gateway/src/telemetry/index.ts';

const [upstream, mode] = process.argv.slice(2);
const config = loadConfig({
  PORT: '0',
  HOST: '127.0.0.1',
  L2_UPSTREAMS: `bench=${upstream}`,
  L1_UPSTREAMS: `bench=${upstream}`,
  DATA_DIR: mkdtempSync(join(tmpdir(), 'gw-bench-')),
  ...(process.env.DATABASE_URL ? { DATABASE_URL: process.env.DATABASE_URL } : {}),
});
const bus = new EventBus();
if (mode === 'telemetry' || mode === 'telemetry-all') {
  // Everything on, as in production: metrics registered and scrapable, every span built, batched and
  // handed to an exporter that drops it (the cost measured is ours, not a collector's; an exporter that
  // kept every span would measure its own growing heap), one JSON log line per request.
  const sink = new Writable({ write: (_c, _e, cb) => cb() });
  const dropSpans: SpanExporter = { export: (_spans, done) => done({ code: ExportResultCode.SUCCESS }), shutdown: async () => {} };
  await startTelemetry(
    bus,
    loadTelemetryConfig({
      METRICS_PORT: '0',
      METRICS_HOST: '127.0.0.1',
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:9/unused',
      LOG_REQUESTS: mode === 'telemetry-all' ? 'all' : 'errors',
    }),
    { spanExporter: dropSpans, logDestination: sink },
  );
}
const gw = await startGateway(config, { bus });
const { key } = await createMemberKey(gw.database, { address: `0x${'be'.repeat(20)}`, label: 'bench' });
process.stdout.write(`${JSON.stringify({ url: `${gw.url}/api/${key}/l2`, base: gw.url })}\n`);
