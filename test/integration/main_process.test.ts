// The gateway as an operator runs it: the process entry, its metrics port, its logs, its shutdown.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createMemberKey } from '../../gateway/src/membership/keys.ts';
import { openDatabase } from '../../gateway/src/store/db.ts';
import { startAnvil } from '../helpers/anvil.ts';
import { waitFor } from '../helpers/gateway.ts';
import { freePort, startGatewayProcess, type GatewayProcess } from '../helpers/gatewayProcess.ts';

test('npm start: serves, exposes database and member gauges on the metrics port, logs JSON without keys, stops cleanly on SIGTERM', async () => {
  const l2 = await startAnvil({ chainId: 42161 });
  const l1 = await startAnvil({ chainId: 1 });
  const dataDir = mkdtempSync(join(tmpdir(), 'gw-main-'));
  const metricsPort = await freePort();
  let gw: GatewayProcess | undefined;
  try {
    gw = await startGatewayProcess({
      ...process.env,
      METRICS_PORT: String(metricsPort),
      METRICS_HOST: '127.0.0.1',
      L2_UPSTREAMS: `a=${l2.url}`,
      L1_UPSTREAMS: `b=${l1.url}`,
      DATA_DIR: dataDir,
    });
    // A key made the way an operator would while the gateway runs (through its database).
    const database = await openDatabase({ databaseUrl: process.env.DATABASE_URL, dataDir });
    const { key } = await createMemberKey(database, { address: `0x${'ab'.repeat(20)}`, label: 'main' });
    await database.close();
    const res = await fetch(`${gw.base}/api/${key}/l2`, { method: 'POST', body: '{"jsonrpc":"2.0","id":1,"method":"eth_chainId"}' });
    assert.equal(await res.json(), { jsonrpc: '2.0', id: 1, result: '0xa4b1' });
    const denied = await fetch(`${gw.base}/api/${'x'.repeat(43)}/l2`, { method: 'POST', body: '{"jsonrpc":"2.0","id":1,"method":"eth_chainId"}' });
    assert.is(denied.status, 401);

    const metrics = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
    assert.match(metrics, /^gateway_database_up 1$/m);
    assert.match(metrics, /^gateway_members [1-9]\d*$/m);
    assert.match(metrics, /^gateway_api_keys_active [1-9]\d*$/m);
    assert.match(metrics, /^gateway_requests_total\{[^}]*network="l2"[^}]*\} 1$/m);
    assert.not.ok(metrics.includes(key));

    assert.is(await gw.stop(), 0, 'clean exit on SIGTERM');
    const out = gw.output();
    const lines = out.split('\n').filter((l) => l.startsWith('{'));
    assert.ok(lines.length >= 2, 'JSON log lines');
    for (const l of lines) JSON.parse(l);
    // LOG_REQUESTS=errors by default: the ok call leaves no line, the refused one does
    assert.not.ok(lines.some((l) => l.includes('"request completed"') && l.includes('"eth_chainId"')));
    assert.ok(lines.some((l) => l.includes('"request completed"') && l.includes('"deny_reason":"unknown_key"')));
    assert.not.ok(out.includes(key), 'the key never reaches the logs');
  } finally {
    gw?.child.kill('SIGKILL');
    await Promise.all([l2.kill(), l1.kill()]);
    rmSync(dataDir, { recursive: true, force: true });
  }
});

test('SIGTERM to `npm start` itself (a service manager that signals only its main process) reaches the gateway: it drains and exits, no orphan keeps the port', async () => {
  const [l2, l1] = await Promise.all([startAnvil({ chainId: 42161 }), startAnvil({ chainId: 1 })]);
  const port = await freePort();
  const npm = spawn('npm', ['start'], {
    cwd: new URL('../..', import.meta.url).pathname,
    env: { ...process.env, HOST: '127.0.0.1', PORT: String(port), METRICS_PORT: '0', L2_UPSTREAMS: `a=${l2.url}`, L1_UPSTREAMS: `b=${l1.url}`, ORCHESTRATOR_SYNC_ENABLED: 'false', DRAIN_GRACE_MS: '100' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  npm.stdout.on('data', (d) => (out += d));
  npm.stderr.on('data', (d) => (out += d));
  const base = `http://127.0.0.1:${port}`;
  try {
    await waitFor(async () => (await fetch(`${base}/healthz`).catch(() => undefined))?.ok === true, 60_000, 'npm start to listen');
    const exited = new Promise((resolve) => npm.once('exit', resolve));
    npm.kill('SIGTERM');
    await exited;
    await waitFor(async () => (await fetch(`${base}/healthz`).then(() => 'up', () => 'down')) === 'down', 10_000, 'the port to close');
    assert.match(out, /"msg":"drained"/, 'the gateway itself got the signal and drained');
  } finally {
    npm.kill('SIGKILL');
    await fetch(`${base}/healthz`).then(() => assert.unreachable('a gateway process outlived npm'), () => undefined);
    await Promise.all([l2.kill(), l1.kill()]);
  }
});

test.run();
