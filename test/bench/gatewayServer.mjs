// Child-process entry: the real gateway for the benchmarks, in front of the node given as the second argument.
//   node test/bench/gatewayServer.mjs dist/gateway/src <upstream> [mode]               (compiled, as npm start runs it)
//   node --import tsx test/bench/gatewayServer.mjs gateway/src <upstream> [mode]       (the TypeScript sources)
// mode 'telemetry' turns metrics, traces and logs on with the defaults (requests logged when not ok);
// 'telemetry-all' also logs every request (LOG_REQUESTS=all). Prints {"url","base"} on one line when serving.
// Plain JavaScript so that it runs without a TypeScript loader in front of the compiled gateway.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Writable } from 'node:stream';
import { pathToFileURL } from 'node:url';
import { ExportResultCode } from '@opentelemetry/core';

const [root, upstream, mode] = process.argv.slice(2);
const ext = root.includes('dist') ? '.js' : '.ts';
const load = (path) => import(pathToFileURL(resolve(root, `${path}${ext}`)).href);
const [{ createMemberKey }, { loadConfig }, { EventBus }, { startGateway }, telemetry] = await Promise.all([
  load('membership/keys'),
  load('config'),
  load('events'),
  load('gateway'),
  load('telemetry/index'),
]);

const config = loadConfig({
  PORT: '0',
  HOST: '127.0.0.1',
  L2_UPSTREAMS: `bench=${upstream}`,
  L1_UPSTREAMS: `bench=${upstream}`,
  DATA_DIR: mkdtempSync(join(tmpdir(), 'gw-bench-')),
  ...(process.env.DATABASE_URL ? { DATABASE_URL: process.env.DATABASE_URL } : {}),
  ...(process.env.BENCH_GATEWAY_ENV ? JSON.parse(process.env.BENCH_GATEWAY_ENV) : {}),
});
const bus = new EventBus();
if (mode === 'telemetry' || mode === 'telemetry-all') {
  // Everything on, as in production: metrics registered and scrapable, every span built, batched and handed to
  // an exporter that drops it (the cost measured is ours, not a collector's), one JSON log line per request.
  const sink = new Writable({ write: (_c, _e, cb) => cb() });
  const dropSpans = { export: (_spans, done) => done({ code: ExportResultCode.SUCCESS }), shutdown: async () => {} };
  await telemetry.startTelemetry(
    bus,
    telemetry.loadTelemetryConfig({
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
