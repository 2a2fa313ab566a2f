// The fault matrix, service side: PostgreSQL cut while serving, then back; Loki and the collector down. What
// works keeps working, what cannot says so clearly, and recovery needs no restart.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createMemberKey } from '../../gateway/src/membership/keys.ts';
import { freePort } from '../helpers/gatewayProcess.ts';
import { startTestGateway, waitFor } from '../helpers/gateway.ts';
import { BASE_DATABASE_URL, testSchema } from '../helpers/schema.ts';
import { startTcpProxy } from '../helpers/tcpProxy.ts';

const CALL = '{"jsonrpc":"2.0","id":1,"method":"eth_chainId","params":[]}';

test('PostgreSQL cut while serving, then back: a key in use keeps working, an unchecked key gets 503 -32002, sign-in a clear 503; all recovers without a restart', async () => {
  const schema = testSchema('test_db_cut');
  await schema.create();
  const base = new URL(BASE_DATABASE_URL);
  const proxy = await startTcpProxy(Number(base.port || 5432), base.hostname);
  const url = new URL(schema.url);
  url.port = String(proxy.port);
  const tg = await startTestGateway({ l2Nodes: 1, l1Nodes: 1, telemetry: true, env: { DATABASE_URL: url.toString(), KEY_CACHE_TTL_MS: '200', ORCHESTRATOR_SYNC_ENABLED: 'false' } });
  try {
    const unchecked = await createMemberKey(tg.gw.database, { address: `0x${'cd'.repeat(20)}`, label: 'never used before the cut' });
    const call = (key: string) => fetch(`${tg.gw.url}/api/${key}/l2`, { method: 'POST', body: CALL, signal: AbortSignal.timeout(10_000) });
    assert.is((await call(tg.key)).status, 200);

    await proxy.cut();
    await new Promise((r) => setTimeout(r, 300)); // past the key cache's fresh TTL: the next check would ask the database
    for (let i = 0; i < 5; i++) assert.is((await call(tg.key)).status, 200, 'the key in use keeps working');
    const refused = await call(unchecked.key);
    assert.is(refused.status, 503);
    const body = (await refused.json()) as { error: { code: number; message: string } };
    assert.is(body.error.code, -32002);
    assert.match(body.error.message, /key check is unavailable/);
    const signin = await fetch(`${tg.gw.url}/auth/challenge`, { method: 'POST', headers: { accept: 'application/json' } });
    assert.is(signin.status, 503);
    assert.match(((await signin.json()) as { error: string }).error, /member database is unavailable/);
    assert.is((await fetch(`${tg.gw.url}/readyz`)).status, 503);
    // The operator: store errors, the gauge, a log line.
    assert.ok(tg.of('store.error').some((e) => e.operation === 'key_lookup'));
    await waitFor(async () => /^gateway_database_up 0$/m.test(await tg.metrics()), 5000, 'gateway_database_up 0');
    assert.ok(tg.logs().some((l) => l.msg === 'store error'));

    await proxy.restore();
    await waitFor(async () => (await call(unchecked.key)).status === 200, 10_000, 'the unchecked key to work once the database is back');
    assert.is((await fetch(`${tg.gw.url}/auth/challenge`, { method: 'POST', headers: { accept: 'application/json' } })).status, 200);
    await waitFor(async () => (await fetch(`${tg.gw.url}/readyz`)).status === 200, 5000, 'ready again');
  } finally {
    await tg.stop();
    await proxy.close();
    await schema.drop();
  }
});

test('Loki and the collector down: every call still served, logs still on stdout, nothing queued without bound', async () => {
  const [loki, collector] = await Promise.all([freePort(), freePort()]); // nothing listens there
  const lines: string[] = [];
  const tg = await startTestGateway({
    l2Nodes: 1,
    l1Nodes: 1,
    telemetry: { LOKI_URL: `http://127.0.0.1:${loki}`, LOKI_BATCH_INTERVAL_MS: '50', OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${collector}`, OTEL_BSP_SCHEDULE_DELAY: '50', TRACES_OK_RATIO: '1' },
  });
  try {
    const times: number[] = [];
    for (let i = 0; i < 200; i++) {
      const started = performance.now();
      const r = await tg.rpc('eth_getTransactionCount', [`0x${(i + 1).toString(16).padStart(40, '0')}`, 'latest']);
      times.push(performance.now() - started);
      assert.is(r.result, '0x0', `call ${i}`);
    }
    times.sort((a, b) => a - b);
    assert.ok(times[Math.floor(times.length * 0.99)]! < 1000, `p99 ${times[Math.floor(times.length * 0.99)]} ms`);
    lines.push(...tg.logs().map((l) => String(l.msg)));
    assert.ok(lines.filter((m) => m === 'request completed').length >= 200, 'every request logged to stdout');
    assert.equal(tg.listenerErrors, [], 'no telemetry listener failed');
  } finally {
    await tg.stop();
  }
});

test.run();
