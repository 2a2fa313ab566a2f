// Every PromQL expression in dashboards/ and alerts/ parses (promtool), selects only documented
// metrics or recording rules; the dashboards are provisioned files with their data sources as variables.
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parse, stringify } from 'yaml';
import { metricNames, PROMETHEUS_SERIES, readDocumentedNames, withGrafanaVariables } from '../unit/ops_promql.ts';
import { binaries, root, run, tempDir } from './alerts_support.ts';

interface Source {
  where: string;
  expr: string;
}

type Json = Record<string, any>;

const dashboardsDir = join(root, 'dashboards/json');
const dashboards: Array<[string, Json]> = readdirSync(dashboardsDir)
  .filter((f) => f.endsWith('.json'))
  .map((f) => [f, JSON.parse(readFileSync(join(dashboardsDir, f), 'utf8')) as Json]);
const ruleGroups = readdirSync(join(root, 'alerts/rules'))
  .filter((f) => f.endsWith('.yml'))
  .map((f) => [f, parse(readFileSync(join(root, 'alerts/rules', f), 'utf8')) as { groups: Array<{ rules: Json[] }> }] as const);
const recordingRules = new Set(ruleGroups.flatMap(([, g]) => g.groups.flatMap((x) => x.rules.map((r) => r.record).filter(Boolean))));

const allPanels = (d: Json): Json[] => (d.panels as Json[]).flatMap((p) => [p, ...((p.panels as Json[] | undefined) ?? [])]);
const variables = (d: Json): Json[] => d.templating.list as Json[];
/** The data source type a `${var}` reference resolves to in this dashboard. */
function dsType(d: Json, ref: Json | undefined): string | undefined {
  const m = /^\$\{(\w+)\}$/.exec(String(ref?.uid ?? ''));
  return variables(d).find((v) => v.type === 'datasource' && v.name === m?.[1])?.query;
}

function promqlSources(): Source[] {
  const out: Source[] = [];
  for (const [file, d] of dashboards) {
    for (const p of allPanels(d)) {
      for (const t of (p.targets as Json[] | undefined) ?? []) {
        if (dsType(d, t.datasource ?? p.datasource) === 'prometheus') out.push({ where: `${file}: ${p.title} (${t.refId})`, expr: t.expr });
      }
    }
    for (const v of variables(d).filter((x) => x.type === 'query')) {
      const q = String(v.query?.query ?? v.query);
      const inner = /^label_values\((.+),\s*\w+\)$/.exec(q)?.[1] ?? q; // Grafana's label_values(<selector>, <label>)
      out.push({ where: `${file}: variable ${v.name}`, expr: inner });
    }
    for (const a of d.annotations.list as Json[]) if (a.expr) out.push({ where: `${file}: annotation ${a.name}`, expr: a.expr });
  }
  for (const [file, g] of ruleGroups) {
    for (const r of g.groups.flatMap((x) => x.rules)) out.push({ where: `alerts/rules/${file}: ${r.alert ?? r.record}`, expr: r.expr });
  }
  return out.map((s) => ({ ...s, expr: withGrafanaVariables(s.expr) }));
}

const sources = promqlSources();

test('the four dashboards exist with unique uids', () => {
  assert.equal(dashboards.map(([f]) => f).sort(), ['error-triage.json', 'members.json', 'nodes.json', 'overview.json']);
  const uids = dashboards.map(([, d]) => d.uid);
  assert.is(new Set(uids).size, uids.length);
  assert.ok(sources.length > 60, `collected ${sources.length} expressions`);
});

test('every PromQL expression in dashboards/ and alerts/ parses (promtool check rules)', async () => {
  const dir = tempDir('promql');
  const file = join(dir, 'expressions.yml');
  writeFileSync(file, stringify({ groups: [{ name: 'all', rules: sources.map((s, i) => ({ record: `check:expr_${i}`, expr: s.expr })) }] }));
  const res = await run(binaries.promtool(), ['check', 'rules', file]);
  // promtool names a failing rule by its record name: map it back to the panel or rule it came from.
  const bad = [...`${res.stdout}${res.stderr}`.matchAll(/check:expr_(\d+)/g)].map((m) => sources[Number(m[1])]);
  assert.is(res.code, 0, `${res.stdout}${res.stderr}\n${bad.map((s) => `${s?.where}: ${s?.expr}`).join('\n')}`);
  assert.match(res.stdout, new RegExp(`SUCCESS: ${sources.length} rules found`));
});

test('every metric they select is documented in docs/METRICS.md, a recording rule, or made by Prometheus', () => {
  const documented = readDocumentedNames(join(root, 'docs/METRICS.md'));
  const unknown: string[] = [];
  for (const s of sources) {
    for (const name of metricNames(s.expr)) {
      if (!documented.has(name) && !recordingRules.has(name) && !PROMETHEUS_SERIES.has(name)) unknown.push(`${s.where}: ${name}`);
    }
  }
  assert.equal(unknown, []);
});

test('dashboards lean on recording rules: no quantile is computed from raw buckets in a panel', () => {
  for (const s of sources.filter((x) => !x.where.startsWith('alerts/'))) {
    assert.not.match(s.expr, /_bucket|histogram_quantile/, s.where);
  }
});

test('every panel names its data source through a dashboard variable of the right type', () => {
  for (const [file, d] of dashboards) {
    assert.ok(variables(d).some((v) => v.name === 'datasource' && v.type === 'datasource' && v.query === 'prometheus'), `${file}: $datasource`);
    const ids = new Set<number>();
    for (const p of allPanels(d)) {
      assert.not.ok(ids.has(p.id), `${file}: panel id ${p.id} unique`);
      ids.add(p.id);
      assert.ok(p.gridPos.x + p.gridPos.w <= 24, `${file}: ${p.title} fits the grid`);
      if (p.type === 'row') continue;
      const type = dsType(d, p.datasource);
      assert.ok(type, `${file}: ${p.title} uses a data source variable, got ${JSON.stringify(p.datasource)}`);
      assert.is(p.datasource.type, type, `${file}: ${p.title} data source type`);
      for (const t of p.targets as Json[]) assert.is(dsType(d, t.datasource ?? p.datasource), type, `${file}: ${p.title} ${t.refId}`);
    }
  }
});

test('Overview shows traffic, latency percentiles, error rate and cache hit ratio', () => {
  const overview = dashboards.find(([f]) => f === 'overview.json')?.[1] as Json;
  const exprs = allPanels(overview).flatMap((p) => ((p.targets as Json[] | undefined) ?? []).map((t) => String(t.expr)));
  for (const series of ['network_outcome:gateway_requests:rate5m', 'network:gateway_request_duration_seconds:quantile5m', 'network:gateway_request_errors:ratio_rate5m', 'network:gateway_cache_hits:ratio_rate5m']) {
    assert.ok(exprs.some((e) => e.includes(series)), series);
  }
});

test('Error triage puts the gateway error logs next to traces, and the data sources link them both ways', () => {
  const triage = dashboards.find(([f]) => f === 'error-triage.json')?.[1] as Json;
  const panels = allPanels(triage);
  const logs = panels.find((p) => p.type === 'logs' && String(p.targets[0].expr).includes('community-rpc-gateway'));
  const traces = panels.find((p) => p.datasource?.type === 'tempo');
  assert.ok(logs && traces);
  assert.is(logs?.gridPos.y, traces?.gridPos.y, 'side by side');

  const ds = parse(readFileSync(join(root, 'dashboards/provisioning/datasources/datasources.yml'), 'utf8')).datasources as Json[];
  const loki = ds.find((d) => d.type === 'loki') as Json;
  const tempo = ds.find((d) => d.type === 'tempo') as Json;
  const derived = loki.jsonData.derivedFields[0];
  assert.is(derived.datasourceUid, tempo.uid, 'logs to trace');
  assert.is(tempo.jsonData.tracesToLogsV2.datasourceUid, loki.uid, 'trace to logs');
  // A gateway log line as pino writes it (fields per docs/METRICS.md and the telemetry logger).
  const line = '{"level":50,"time":1732562331123,"msg":"upstream exhausted","network":"l2","trace_id":"4bf92f3577b34da6a3ce929d0e0e4736","span_id":"00f067aa0ba902b7"}';
  assert.is(new RegExp(derived.matcherRegex).exec(line)?.[1], '4bf92f3577b34da6a3ce929d0e0e4736');
  assert.equal(tempo.jsonData.tracesToLogsV2.tags, [{ key: 'service.name', value: 'service' }], 'the trace service is the Loki "service" label');
});

test('the gateway service name in the log queries is the one compose gives the gateway', () => {
  const compose = parse(readFileSync(join(root, 'compose/docker-compose.yml'), 'utf8'));
  const service = compose.services.gateway.environment.OTEL_SERVICE_NAME as string;
  const lokiExprs = dashboards.flatMap(([, d]) => allPanels(d).flatMap((p) => ((p.targets as Json[] | undefined) ?? []).filter((t) => t.datasource?.type === 'loki').map((t) => String(t.expr))));
  const gatewayQueries = lokiExprs.filter((e) => e.includes('service="'));
  assert.ok(gatewayQueries.length >= 2);
  for (const e of gatewayQueries) assert.ok(e.includes(`service="${service}"`), e);
});

test.run();
