// The alert rules, their promtool unit tests, the Prometheus config and the rendered Alertmanager
// config, checked with the real promtool and amtool (Debian packages prometheus, prometheus-alertmanager).
import { cpSync, existsSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parse } from 'yaml';
import { binaries, renderAlertmanager, root, run, tempDir } from './alerts_support.ts';

interface Rule {
  alert?: string;
  record?: string;
  expr: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

const rulesDir = join(root, 'alerts/rules');
const testsDir = join(root, 'alerts/tests');
const ruleFiles = readdirSync(rulesDir).filter((f) => f.endsWith('.yml')).map((f) => join(rulesDir, f));
const testFiles = readdirSync(testsDir).filter((f) => f.endsWith('.test.yml')).map((f) => join(testsDir, f));
const rules: Rule[] = ruleFiles.flatMap((f) => (parse(readFileSync(f, 'utf8')) as { groups: Array<{ rules: Rule[] }> }).groups.flatMap((g) => g.rules));
const alerts = rules.filter((r) => r.alert);
const records = rules.filter((r) => r.record);

test('promtool check rules accepts every rule file', async () => {
  const res = await run(binaries.promtool(), ['check', 'rules', ...ruleFiles]);
  assert.is(res.code, 0, res.stdout + res.stderr);
  assert.ok(ruleFiles.length >= 3);
});

test('promtool test rules passes every rule unit test', async () => {
  const res = await run(binaries.promtool(), ['test', 'rules', ...testFiles], { cwd: testsDir });
  assert.is(res.code, 0, res.stdout + res.stderr);
  assert.not.match(res.stdout, /FAILED/);
});

test('the ten alerts the operators asked for exist', () => {
  const names = alerts.map((a) => a.alert).sort();
  assert.equal(names, [
    'GatewayDatabaseUnreachable',
    'GatewayDown',
    'GatewayErrorRateHigh',
    'GatewayFailoverSurge',
    'GatewayLatencyHigh',
    'GatewayNetworkNoHealthyNode',
    'GatewayNetworkOnLastNode',
    'GatewayNodeDown',
    'GatewayNodeLagging',
    'GatewayOrchestratorSyncStale',
  ]);
});

test('every alert has a severity, a summary, a description printing the value and a runbook that exists', () => {
  for (const a of alerts) {
    assert.ok(['critical', 'warning'].includes(a.labels?.severity ?? ''), `${a.alert} severity`);
    assert.ok(a.annotations?.summary, `${a.alert} summary`);
    assert.match(a.annotations?.description ?? '', /\$value/, `${a.alert} description prints the value`);
    assert.is(a.annotations?.runbook_url, `docs/runbooks/${a.alert}.md`);
    const runbook = readFileSync(join(root, a.annotations?.runbook_url as string), 'utf8');
    for (const section of ['## What it means', '## Triage in Grafana', '## How to fix']) assert.ok(runbook.includes(section), `${a.alert}: ${section}`);
  }
});

test('every alert has a promtool test where it fires and one where it does not', () => {
  const cases = testFiles.flatMap((f) =>
    (parse(readFileSync(f, 'utf8')) as { tests: Array<{ alert_rule_test?: Array<{ alertname: string; exp_alerts?: unknown[] }> }> }).tests.flatMap(
      (t) => t.alert_rule_test ?? [],
    ),
  );
  for (const a of alerts) {
    const mine = cases.filter((c) => c.alertname === a.alert);
    assert.ok(mine.some((c) => (c.exp_alerts ?? []).length > 0), `${a.alert} firing case`);
    assert.ok(mine.some((c) => (c.exp_alerts ?? []).length === 0), `${a.alert} not-firing case`);
  }
});

test('every recording rule is evaluated by a promtool test', () => {
  const exprs = new Set(
    testFiles.flatMap((f) =>
      (parse(readFileSync(f, 'utf8')) as { tests: Array<{ promql_expr_test?: Array<{ expr: string }> }> }).tests.flatMap((t) =>
        (t.promql_expr_test ?? []).map((p) => p.expr.trim()),
      ),
    ),
  );
  for (const r of records) assert.ok(exprs.has(r.record as string), `${r.record} tested`);
});

test('promtool check config accepts the compose Prometheus config with the rules where the container has them', async () => {
  const dir = tempDir('prom-config');
  cpSync(join(root, 'compose/prometheus/prometheus.yml'), join(dir, 'prometheus.yml'));
  cpSync(rulesDir, join(dir, 'rules'), { recursive: true });
  const res = await run(binaries.promtool(), ['check', 'config', join(dir, 'prometheus.yml')]);
  assert.is(res.code, 0, res.stdout + res.stderr);
  assert.match(res.stdout, /SUCCESS: 5 rules found/);
  assert.match(res.stdout, /SUCCESS: 21 rules found/);
});

const DISCORD = 'https://discord.com/api/webhooks/1234567890/s3cr3t-t0ken_with&chars';
const WEBHOOK = 'https://alerts.example.org/hook?token=an0ther-s3cret';

for (const [name, env] of [
  ['Discord and webhook', { DISCORD_WEBHOOK_URL: DISCORD, ALERT_WEBHOOK_URL: WEBHOOK }],
  ['Discord only', { DISCORD_WEBHOOK_URL: DISCORD }],
  ['webhook only', { ALERT_WEBHOOK_URL: WEBHOOK }],
] as const) {
  test(`amtool check-config accepts the rendered Alertmanager config (${name})`, async () => {
    const out = tempDir('am-render');
    const rendered = await renderAlertmanager(out, { ...env, RUNBOOK_BASE_URL: 'https://example.org/repo/blob/main/' });
    assert.is(rendered.code, 0, rendered.stderr);
    const check = await run(binaries.amtool(), ['check-config', join(out, 'alertmanager.yml')]);
    assert.is(check.code, 0, check.stdout + check.stderr);
    assert.match(check.stdout, /1 templates/);
    assert.match(check.stdout, /2 inhibit rules/);
    const config = parse(readFileSync(join(out, 'alertmanager.yml'), 'utf8'));
    const receiver = config.receivers[0];
    assert.is(receiver.discord_configs?.[0]?.webhook_url, 'DISCORD_WEBHOOK_URL' in env ? DISCORD : undefined);
    assert.is(receiver.webhook_configs?.[0]?.url, 'ALERT_WEBHOOK_URL' in env ? WEBHOOK : undefined);
    assert.equal(config.route.group_by, ['network']);
    assert.is(statSync(join(out, 'alertmanager.yml')).mode & 0o777, 0o600, 'the file holding secrets is private');
    assert.not.ok(rendered.stderr.includes('s3cr3t'), 'the script never prints a secret');
    assert.match(readFileSync(join(out, 'templates/discord.tmpl'), 'utf8'), /Runbook: https:\/\/example\.org\/repo\/blob\/main\/\{\{ \. \}\}/);
  });
}

test('render-config reads a secret from a *_FILE and refuses what would break the config', async () => {
  const dir = tempDir('am-secrets');
  const secretFile = join(dir, 'discord');
  mkdirSync(join(dir, 'out'));
  writeFileSync(secretFile, `${DISCORD}\n`);
  const fromFile = await renderAlertmanager(join(dir, 'out'), { DISCORD_WEBHOOK_URL_FILE: secretFile });
  assert.is(fromFile.code, 0, fromFile.stderr);
  assert.match(readFileSync(join(dir, 'out/alertmanager.yml'), 'utf8'), new RegExp(`webhook_url: '${DISCORD.replace(/[?&.]/g, '\\$&')}'`));

  const cases: Array<[Record<string, string>, RegExp]> = [
    [{}, /no receiver/],
    [{ DISCORD_WEBHOOK_URL_FILE: join(dir, 'missing') }, /DISCORD_WEBHOOK_URL_FILE names a file that cannot be read/],
    [{ DISCORD_WEBHOOK_URL: "https://x.example/a'b" }, /DISCORD_WEBHOOK_URL contains a quote/],
    [{ ALERT_WEBHOOK_URL: 'ftp://x.example/s3cr3t' }, /ALERT_WEBHOOK_URL must be an http\(s\) URL/],
  ];
  for (const [env, message] of cases) {
    const out = join(dir, `bad-${Math.random().toString(36).slice(2)}`);
    const res = await renderAlertmanager(out, env);
    assert.is.not(res.code, 0, JSON.stringify(env));
    assert.match(res.stderr, message);
    assert.not.ok(res.stderr.includes('s3cr3t'));
    assert.not.ok(existsSync(join(out, 'alertmanager.yml')), 'a failed render leaves no config behind');
  }
});

test.run();
