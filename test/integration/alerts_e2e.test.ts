// End to end: the gateway process (gateway/src/main.ts) in front of Anvil nodes, scraped by a real
// Prometheus running the real rules, alerting through a real Alertmanager with the real routing, to a
// loopback receiver playing Discord. Only timings are shortened: scrape/evaluation 1 s, every alert's
// `for` divided by 15 (ordering kept: no-healthy-node still fires before node-down), group waits 1 s.
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { parse, stringify } from 'yaml';
import { createMemberKey } from '../../gateway/src/membership/keys.ts';
import { openDatabase } from '../../gateway/src/store/db.ts';
import { startAnvil, type Anvil } from '../helpers/anvil.ts';
import { startGatewayProcess, type GatewayProcess } from '../helpers/gatewayProcess.ts';
import { metricNames, withGrafanaVariables } from '../unit/ops_promql.ts';
import {
  freePort,
  renderAlertmanager,
  root,
  shortenTimings,
  startAlertmanager,
  startPrometheus,
  startReceiver,
  tempDir,
  waitFor,
  type Daemon,
  type Receiver,
  writePrometheusConfig,
} from './alerts_support.ts';

const DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const DISCORD_PATH = '/api/webhooks/42/e2e-token';
const FOR_SCALE = 15;

const ctx = {
  l2a: undefined as Anvil | undefined,
  l2b: undefined as Anvil | undefined,
  l1: undefined as Anvil | undefined,
  gateway: undefined as GatewayProcess | undefined,
  prometheus: undefined as Daemon | undefined,
  alertmanager: undefined as Daemon | undefined,
  receiver: undefined as Receiver | undefined,
  traffic: undefined as NodeJS.Timeout | undefined,
};

const seconds = (d: string): number => {
  const m = /^(\d+)(s|m|h)$/.exec(d);
  if (!m) throw new Error(`unsupported duration ${d}`);
  return Number(m[1]) * { s: 1, m: 60, h: 3600 }[m[2] as 's' | 'm' | 'h'];
};

/** The production rule files with every alert's `for` divided by FOR_SCALE (at least 1 s). */
function writeTestRules(dir: string): void {
  mkdirSync(dir, { recursive: true });
  for (const file of readdirSync(join(root, 'alerts/rules')).filter((f) => f.endsWith('.yml'))) {
    const doc = parse(readFileSync(join(root, 'alerts/rules', file), 'utf8')) as { groups: Array<{ rules: Array<{ for?: string }> }> };
    for (const rule of doc.groups.flatMap((g) => g.rules)) {
      if (rule.for) rule.for = `${Math.max(1, Math.round(seconds(rule.for) / FOR_SCALE))}s`;
    }
    writeFileSync(join(dir, file), stringify(doc));
  }
}

async function query(expr: string): Promise<{ status: string; error?: string; data?: { result: unknown[] } }> {
  const res = await fetch(`${ctx.prometheus?.url}/api/v1/query?query=${encodeURIComponent(expr)}`);
  return (await res.json()) as { status: string; error?: string; data?: { result: unknown[] } };
}

const discordTexts = () =>
  (ctx.receiver?.received ?? []).filter((r) => r.path === DISCORD_PATH).map((r) => ({ at: r.at, title: String(r.body.embeds?.[0]?.title), text: String(r.body.embeds?.[0]?.description) }));

async function alertsInAlertmanager(): Promise<Array<{ labels: Record<string, string>; status: { state: string; inhibitedBy: string[] } }>> {
  const res = await fetch(`${ctx.alertmanager?.url}/api/v2/alerts?inhibited=true&silenced=true&active=true`);
  return (await res.json()) as Array<{ labels: Record<string, string>; status: { state: string; inhibitedBy: string[] } }>;
}

const E2E = suite('alerts end to end');

E2E.before(async () => {
  // Nodes mine only on demand, so a restarted node is at the same height as the others (no lag eviction).
  [ctx.l2a, ctx.l2b, ctx.l1] = await Promise.all([startAnvil({ chainId: 42161 }), startAnvil({ chainId: 42161 }), startAnvil({ chainId: 1 })]);
  const database = await openDatabase({ databaseUrl: DATABASE_URL, dataDir: tempDir('e2e-data') }, { migrate: true });
  const { key } = await createMemberKey(database, { address: `0x${'e2e'.padEnd(40, '0')}`, label: 'alerts e2e' });
  await database.close();

  const metricsPort = await freePort();
  ctx.gateway = await startGatewayProcess({
    PATH: process.env.PATH,
    METRICS_HOST: '127.0.0.1',
    METRICS_PORT: String(metricsPort),
    DATABASE_URL,
    DATA_DIR: tempDir('e2e-gw'),
    L2_UPSTREAMS: `l2-a=${ctx.l2a?.url},l2-b=${ctx.l2b?.url}`,
    L1_UPSTREAMS: `l1-a=${ctx.l1?.url}`,
    ORCHESTRATOR_SOURCE: 'static:0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266',
    HEAD_POLL_MS: '250',
    UPSTREAM_TIMEOUT_MS: '800',
    BREAKER_COOLDOWN_MS: '500',
    BREAKER_MAX_COOLDOWN_MS: '1000',
    LOG_LEVEL: 'warn',
  });
  const port = ctx.gateway.port;
  await waitFor('the gateway metrics endpoint', async () => ((await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).ok ? true : undefined), 30_000);


  // Members' traffic, so the traffic series exist: a poll per network every 200 ms, like orchestrators.
  const body = JSON.stringify([
    { jsonrpc: '2.0', id: 1, method: 'eth_blockNumber', params: [] },
    { jsonrpc: '2.0', id: 2, method: 'eth_chainId', params: [] },
    { jsonrpc: '2.0', id: 3, method: 'eth_getBalance', params: ['0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266', 'latest'] },
  ]);
  ctx.traffic = setInterval(() => {
    for (const network of ['l2', 'l1']) {
      fetch(`http://127.0.0.1:${port}/api/${key}/${network}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body, signal: AbortSignal.timeout(5000) })
        .then((r) => r.arrayBuffer())
        .catch(() => {}); // failures while nodes are down are the point of the test
    }
  }, 200);

  ctx.receiver = await startReceiver();
  const amDir = tempDir('e2e-am');
  const rendered = await renderAlertmanager(amDir, { DISCORD_WEBHOOK_URL: `${ctx.receiver.url}${DISCORD_PATH}`, RUNBOOK_BASE_URL: 'https://example.org/repo/blob/main/' });
  assert.is(rendered.code, 0, rendered.stderr);
  shortenTimings(join(amDir, 'alertmanager.yml'));
  ctx.alertmanager = await startAlertmanager(join(amDir, 'alertmanager.yml'));

  const promDir = tempDir('e2e-prom');
  writeTestRules(join(promDir, 'rules'));
  ctx.prometheus = await startPrometheus(writePrometheusConfig(promDir, { intervalS: 1, alertmanagerUrl: ctx.alertmanager.url, metricsPort }));
});

E2E.after(async () => {
  clearInterval(ctx.traffic);
  await ctx.gateway?.stop();
  await Promise.all([ctx.prometheus?.stop(), ctx.alertmanager?.stop(), ctx.receiver?.close(), ctx.l2a?.kill(), ctx.l2b?.kill(), ctx.l1?.kill()]);
});

E2E('every PromQL expression of dashboards/ and alerts/ evaluates on the live Prometheus; the traffic ones return data', async () => {
  const traffic = ['network:gateway_requests:rate5m', 'network_outcome:gateway_requests:rate5m', 'network_method:gateway_requests:rate5m', 'network_node_outcome:gateway_upstream_attempts:rate5m'];
  for (const series of traffic) {
    await waitFor(`recorded ${series}`, async () => ((await query(series)).data?.result.length ? true : undefined), 30_000);
  }
  const exprs: string[] = [];
  for (const file of readdirSync(join(root, 'dashboards/json'))) {
    const d = JSON.parse(readFileSync(join(root, 'dashboards/json', file), 'utf8'));
    for (const p of (d.panels as any[]).flatMap((x) => [x, ...(x.panels ?? [])])) {
      for (const t of p.targets ?? []) if (String(t.datasource?.uid ?? p.datasource?.uid) === '${datasource}') exprs.push(withGrafanaVariables(t.expr));
    }
  }
  for (const file of readdirSync(join(root, 'alerts/rules'))) {
    for (const g of parse(readFileSync(join(root, 'alerts/rules', file), 'utf8')).groups) for (const r of g.rules) exprs.push(r.expr);
  }
  const empty: string[] = [];
  for (const expr of exprs) {
    const res = await query(expr);
    assert.is(res.status, 'success', `${expr}: ${res.error}`);
    if (metricNames(expr).some((n) => traffic.includes(n)) && !expr.includes(' > ') && res.data?.result.length === 0) empty.push(expr);
  }
  assert.equal(empty, [], 'traffic expressions return data');
  assert.ok(exprs.length > 60);
});

E2E('a killed node: Discord hears about it, naming the network and the node, within 15 s', async () => {
  const killedAt = Date.now();
  await ctx.l2a?.kill();
  const msg = await waitFor('a GatewayNodeDown message for l2-a', () => discordTexts().find((m) => m.text.includes('**WARNING** GatewayNodeDown · network l2 · node l2-a')), 15_000);
  assert.ok(msg.at - killedAt < 15_000);
  // Discord's webhook JSON: {content, embeds: [{title, description, color}]}, nothing else at the top.
  for (const r of (ctx.receiver?.received ?? []).filter((x) => x.path === DISCORD_PATH)) {
    assert.equal(Object.keys(r.body).sort(), ['content', 'embeds']);
    assert.is(r.body.embeds.length, 1);
    assert.type(r.body.embeds[0].title, 'string');
    assert.type(r.body.embeds[0].description, 'string');
    assert.type(r.body.embeds[0].color, 'number');
  }
  assert.match(msg.title, /^\[FIRING:\d\] .*l2/);
  assert.match(msg.text, /Runbook: https:\/\/example\.org\/repo\/blob\/main\/docs\/runbooks\/GatewayNodeDown\.md/);
});

E2E('the node back on the same port: the resolved notification follows', async () => {
  await ctx.l2a?.restart();
  await waitFor('a resolved GatewayNodeDown message for l2-a', () => discordTexts().find((m) => m.text.includes('**RESOLVED** GatewayNodeDown · network l2 · node l2-a')), 30_000);
});

E2E('both nodes killed: the network-down alert arrives while the per-node alerts are inhibited', async () => {
  const since = Date.now();
  await Promise.all([ctx.l2a?.kill(), ctx.l2b?.kill()]);
  const down = await waitFor('GatewayNetworkNoHealthyNode', () => discordTexts().find((m) => m.at >= since && m.text.includes('**CRITICAL** GatewayNetworkNoHealthyNode · network l2')), 20_000);
  assert.is(down.title, '[FIRING:1] GatewayNetworkNoHealthyNode on l2');
  const suppressed = await waitFor(
    'both node-down alerts inhibited in Alertmanager',
    async () => {
      const nodeDown = (await alertsInAlertmanager()).filter((a) => a.labels.alertname === 'GatewayNodeDown' && a.labels.network === 'l2');
      return nodeDown.length === 2 && nodeDown.every((a) => a.status.state === 'suppressed' && a.status.inhibitedBy.length > 0) ? nodeDown : undefined;
    },
    20_000,
  );
  assert.equal(suppressed.map((a) => a.labels.node).sort(), ['l2-a', 'l2-b']);
  await new Promise((r) => setTimeout(r, 2500)); // more than a group interval: a muted alert would have been sent by now
  const leaked = discordTexts().filter((m) => m.at >= since && /\*\*WARNING\*\* GatewayNodeDown · network l2/.test(m.text));
  assert.equal(leaked, [], 'no per-node notification while the network is down');
});

E2E.run();
