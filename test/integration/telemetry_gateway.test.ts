// Telemetry on the real gateway (real Anvil nodes, real database): real member requests with a real
// key in the URL become spans, log lines and series, and the key appears in none of them.
import { Writable } from 'node:stream';
import { SpanKind } from '@opentelemetry/api';
import { InMemorySpanExporter } from '@opentelemetry/sdk-trace-base';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { loadTelemetryConfig, startTelemetry } from '../../gateway/src/telemetry/index.ts';
import { startTestGateway, waitFor } from '../helpers/gateway.ts';

test('real requests through the gateway become linked spans, correlated log lines and series, without the key', async () => {
  const tg = await startTestGateway({ l2Nodes: 1, l1Nodes: 1 });
  const exporter = new InMemorySpanExporter();
  const chunks: string[] = [];
  const logDestination = new Writable({
    write(chunk, _e, cb) {
      chunks.push(String(chunk));
      cb();
    },
  });
  const telemetry = await startTelemetry(
    tg.gw.bus,
    loadTelemetryConfig({ METRICS_PORT: '0', METRICS_HOST: '127.0.0.1', LOG_REQUESTS: 'all', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:9', OTEL_BSP_SCHEDULE_DELAY: '50', TRACES_OK_RATIO: '1' }),
    { spanExporter: exporter, logDestination },
  );
  try {
    const balance = await tg.rpc('eth_getBalance', ['0x0000000000000000000000000000000000000001', 'latest']);
    assert.type(balance.result, 'string');
    assert.type((await tg.rpc('eth_chainId', [], 'l1')).result, 'string');
    const denied = await fetch(tg.url('l2').replace(tg.key, 'A'.repeat(43)), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"jsonrpc":"2.0","id":1,"method":"eth_chainId","params":[]}',
      signal: AbortSignal.timeout(20_000),
    });
    assert.is(denied.status, 401);
    await telemetry.flush();

    const spans = exporter.getFinishedSpans();
    const servers = spans.filter((s) => s.kind === SpanKind.SERVER);
    assert.is(servers.length, 3);
    const balanceSpan = servers.find((s) => s.attributes['rpc.method'] === 'eth_getBalance')!;
    assert.ok(balanceSpan);
    assert.is(balanceSpan.attributes['gateway.outcome'], 'ok');
    const attempt = spans.find((s) => s.kind === SpanKind.CLIENT && s.parentSpanContext?.spanId === balanceSpan.spanContext().spanId);
    assert.ok(attempt, 'an upstream attempt span under the request span');
    assert.is(attempt.attributes['server.address'], 'l2node0');
    assert.is(servers.find((s) => s.attributes['gateway.outcome'] === 'denied')?.attributes['gateway.deny_reason'], 'unknown_key');

    const lines = chunks.join('').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);
    const completed = lines.find((l) => l.msg === 'request completed' && l.method === 'eth_getBalance')!;
    assert.ok(completed);
    assert.is(completed.trace_id, balanceSpan.spanContext().traceId);
    assert.is(completed.node, 'l2node0');
    assert.type(completed.member, 'string');

    const scrapeUrl = `http://127.0.0.1:${telemetry.metricsPort}/metrics`;
    await tg.l2[0]!.rpc('evm_mine'); // node.head is emitted on change; telemetry subscribed after the first heads
    await waitFor(async () => (await fetch(scrapeUrl).then((r) => r.text())).includes('gateway_node_head_block{network="l2",node="l2node0"}'), 15_000, 'a head gauge');
    const scrape = await fetch(scrapeUrl, { signal: AbortSignal.timeout(15_000) }).then((r) => r.text());
    assert.ok(scrape.includes('gateway_requests_total{network="l2",method="eth_getBalance",outcome="ok",kind="read"} 1'));
    assert.ok(scrape.includes('gateway_access_denied_total{network="l2",reason="unknown_key"} 1'));
    assert.ok(/gateway_upstream_attempts_total\{network="l2",node="l2node0",outcome="ok"\} \d/.test(scrape));

    const everything = JSON.stringify(spans.map((s) => ({ n: s.name, a: s.attributes, e: s.events, st: s.status }))) + chunks.join('') + scrape;
    assert.not.ok(everything.includes(tg.key));
    assert.equal(tg.listenerErrors, []);
  } finally {
    await telemetry.shutdown();
    await tg.stop();
  }
});

test.run();
