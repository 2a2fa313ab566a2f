// Static checks of the compose stacks (docker does not run here): the files parse, every file they
// mount exists, services they name exist, ports agree across the configs, and the env the gateway
// gets is env the gateway reads.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parse } from 'yaml';
import {
  commandArgs,
  hostAndPort,
  hostPort,
  interpolate,
  loadCompose,
  mergeCompose,
  mounts,
  readEnvFile,
  type ComposeFile,
  type Service,
} from './ops_composeModel.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));
const projectDir = join(root, 'compose'); // compose resolves relative paths from the first file's directory
const yamlFile = (path: string) => parse(readFileSync(join(root, path), 'utf8')) as Record<string, any>;

const prodEnv = readEnvFile(join(projectDir, '.env.example'));
const testEnv = readEnvFile(join(projectDir, 'test/test.env'));
const prod = loadCompose(join(projectDir, 'docker-compose.yml'), prodEnv);
const testStack = mergeCompose(
  loadCompose(join(projectDir, 'docker-compose.yml'), testEnv),
  loadCompose(join(projectDir, 'test/docker-compose.yml'), testEnv),
);
const stacks: Array<[string, ComposeFile]> = [
  ['production', prod],
  ['test', testStack],
];

const svc = (stack: ComposeFile, name: string): Service => {
  const s = stack.services[name];
  if (!s) throw new Error(`no service ${name}`);
  return s;
};
/** The host path mounted at `target` in a service, resolved from the project directory. */
const hostPathOf = (service: Service, target: string): string => {
  const m = mounts(service).find((x) => x.target === target);
  if (!m) throw new Error(`nothing mounted at ${target}`);
  return resolve(projectDir, m.source);
};
const portOf = (listen: string): number => Number(listen.split(':').at(-1));

test('required secrets are required: without POSTGRES_PASSWORD the stack refuses to start', () => {
  assert.throws(() => loadCompose(join(projectDir, 'docker-compose.yml'), {}), /POSTGRES_PASSWORD/);
  assert.is(interpolate('a$$b ${X:-d} ${Y-e} $X', { X: '1' }), 'a$b 1 e 1');
});

for (const [name, stack] of stacks) {
  test(`${name}: every bind-mounted file or directory exists and build inputs exist`, () => {
    for (const [service, s] of Object.entries(stack.services)) {
      for (const m of mounts(s).filter((x) => x.bind)) {
        if (m.source === '/var/lib/docker/containers') continue; // the docker host's log directory
        assert.ok(existsSync(resolve(projectDir, m.source)), `${service}: ${m.source} exists`);
      }
      if (s.build) {
        const context = resolve(projectDir, s.build.context);
        assert.ok(existsSync(join(context, s.build.dockerfile ?? 'Dockerfile')), `${service}: dockerfile exists`);
      }
      assert.ok(s.image || s.build, `${service} has an image or a build`);
    }
  });

  test(`${name}: depends_on names services, named volumes are declared, host ports are unique`, () => {
    const seen = new Map<string, string>();
    for (const [service, s] of Object.entries(stack.services)) {
      for (const dep of Object.keys(s.depends_on ?? {})) assert.ok(stack.services[dep], `${service} depends on ${dep}`);
      for (const m of mounts(s).filter((x) => !x.bind)) assert.ok(m.source in (stack.volumes ?? {}), `${service}: volume ${m.source} declared`);
      for (const p of s.ports ?? []) {
        const key = hostPort(p);
        assert.not.ok(seen.has(key), `${service} and ${seen.get(key)} both publish ${key}`);
        seen.set(key, service);
      }
    }
  });

  test(`${name}: Prometheus scrapes the gateway's metrics port under job "gateway" and loads the alert rules`, () => {
    const prom = svc(stack, 'prometheus');
    const configPath = commandArgs(prom.command).find((a) => a.startsWith('--config.file='))?.split('=')[1] as string;
    const config = parse(readFileSync(hostPathOf(prom, configPath), 'utf8')) as Record<string, any>;
    const gatewayJob = config.scrape_configs.find((j: any) => j.job_name === 'gateway');
    assert.ok(gatewayJob, 'job gateway (alerts use up{job="gateway"})');
    // Every replica of a scaled gateway service: DNS discovery of the service name.
    assert.equal(gatewayJob.dns_sd_configs, [
      { names: ['gateway'], type: 'A', port: Number(svc(stack, 'gateway').environment?.METRICS_PORT), refresh_interval: '15s' },
    ]);
    for (const job of config.scrape_configs.filter((j: any) => j.static_configs)) {
      for (const target of job.static_configs[0].targets as string[]) {
        const [host] = hostAndPort(target);
        assert.ok(host === 'localhost' || stack.services[host], `${job.job_name} target ${target} is a service`);
      }
    }
    assert.equal(config.alerting.alertmanagers[0].static_configs[0].targets, ['alertmanager:9093']);
    // rule_files are relative to the config file's directory inside the container.
    for (const glob of config.rule_files as string[]) {
      const containerDir = join(dirname(configPath), dirname(glob));
      const hostDir = hostPathOf(prom, containerDir);
      const rules = readdirSync(hostDir).filter((f) => f.endsWith('.yml'));
      assert.ok(rules.length >= 3, `rule files under ${hostDir}`);
    }
  });

  test(`${name}: the gateway's Loki and OTLP endpoints match the Loki and collector configs`, () => {
    const env = svc(stack, 'gateway').environment ?? {};
    const loki = yamlFile('compose/loki/loki.yaml');
    assert.equal(hostAndPort(env.LOKI_URL as string), ['loki', loki.server.http_listen_port]);
    const collector = yamlFile('collector/otelcol.yaml');
    const otlpHttp = portOf(collector.receivers.otlp.protocols.http.endpoint);
    assert.equal(hostAndPort(env.OTEL_EXPORTER_OTLP_ENDPOINT as string), ['otel-collector', otlpHttp]);
    const tempo = yamlFile('compose/tempo/tempo.yaml');
    assert.equal(hostAndPort(collector.exporters['otlp/tempo'].endpoint), ['tempo', portOf(tempo.distributor.receivers.otlp.protocols.grpc.endpoint)]);
    assert.equal(hostAndPort(collector.exporters['otlphttp/loki'].endpoint), ['loki', loki.server.http_listen_port]);
  });

  test(`${name}: each config file is mounted where its service's command reads it`, () => {
    const col = svc(stack, 'otel-collector');
    const colConfig = commandArgs(col.command).find((a) => a.startsWith('--config='))?.split('=')[1] as string;
    assert.is(hostPathOf(col, colConfig), join(root, 'collector/otelcol.yaml'));
    for (const [service, file] of [['loki', 'compose/loki/loki.yaml'], ['tempo', 'compose/tempo/tempo.yaml']] as const) {
      const s = svc(stack, service);
      const path = commandArgs(s.command).find((a) => a.startsWith('-config.file='))?.split('=')[1] as string;
      assert.is(hostPathOf(s, path), join(root, file));
    }
    const am = svc(stack, 'alertmanager');
    const script = commandArgs(am.entrypoint).join(' ');
    const m = /sh (\S+)\/render-config\.sh (\S+) /.exec(script);
    assert.ok(m, 'alertmanager renders its config first');
    const source = hostPathOf(am, m?.[1] as string);
    assert.ok(existsSync(join(source, 'render-config.sh')) && existsSync(join(source, 'alertmanager.yml.tmpl')));
    assert.ok(script.includes('--config.file=/tmp/'), 'the rendered config (with secrets) stays in the container');
  });

  test(`${name}: Grafana gets the provisioning and the dashboards where the provider looks`, () => {
    const g = svc(stack, 'grafana');
    const datasources = yamlFile('dashboards/provisioning/datasources/datasources.yml').datasources as Array<{ uid: string; url: string }>;
    assert.ok(statSync(hostPathOf(g, '/etc/grafana/provisioning/datasources')).isDirectory());
    for (const ds of datasources) {
      const [host, port] = hostAndPort(ds.url);
      assert.ok(stack.services[host], `data source ${ds.uid} points at service ${host}`);
      const expected = { prometheus: 9090, loki: 3100, tempo: 3200, alertmanager: 9093 }[host];
      assert.is(port, expected, `${host} port`);
    }
    const provider = yamlFile('dashboards/provisioning/dashboards/dashboards.yml').providers[0];
    const dashboards = hostPathOf(g, provider.options.path);
    assert.ok(readdirSync(dashboards).filter((f) => f.endsWith('.json')).length >= 4);
  });
}

test('production: self-hosted nodes carry the labels the collector keeps, and docker writes them into each line', () => {
  const collector = yamlFile('collector/otelcol.yaml');
  const filter = collector.receivers['filelog/nodes'].operators.find((o: any) => o.id === 'keep_node_containers').expr as string;
  const clientLabel = /attrs\["([^"]+)"\]/.exec(filter)?.[1] as string;
  for (const [node, client, network] of [['geth', 'geth', 'l1'], ['nitro', 'nitro', 'l2']]) {
    const s = svc(prod, node as string);
    assert.equal(s.profiles, ['nodes']);
    assert.is(s.labels?.[clientLabel], client);
    assert.is(s.labels?.['io.rpc-gateway.network'], network);
    const listed = s.logging?.options?.labels?.split(',') ?? [];
    assert.ok(listed.includes(clientLabel) && listed.includes('io.rpc-gateway.network'), `${node} logging lists the labels`);
    assert.is(s.logging?.driver, 'json-file');
  }
});

test('every variable compose gives the gateway is one the gateway reads', () => {
  const sources = readdirSync(join(root, 'gateway/src'), { recursive: true })
    .filter((f) => String(f).endsWith('.ts'))
    .map((f) => readFileSync(join(root, 'gateway/src', String(f)), 'utf8'))
    .join('\n');
  for (const [, stack] of stacks) {
    for (const key of Object.keys(svc(stack, 'gateway').environment ?? {})) {
      assert.ok(new RegExp(`\\b${key}\\b`).test(sources), `${key} is read in gateway/src`);
    }
  }
});

test('test: the gateway points at the Anvil services, two per network, on the port Anvil listens on', () => {
  const env = svc(testStack, 'gateway').environment ?? {};
  for (const variable of ['L1_UPSTREAMS', 'L2_UPSTREAMS']) {
    const nodes = (env[variable] as string).split(',').map((item) => item.split('='));
    assert.is(nodes.length, 2, variable);
    for (const [name, url] of nodes) {
      const [host, port] = hostAndPort(url as string);
      assert.is(host, name, 'node name = service name, so alerts name the container to restart');
      const args = commandArgs(svc(testStack, host).command);
      assert.is(Number(args[args.indexOf('--port') + 1]), port);
      assert.is(args[args.indexOf('--host') + 1], '0.0.0.0');
    }
  }
  assert.ok(svc(testStack, 'alertmanager').environment?.ALERT_WEBHOOK_URL?.startsWith('http://alert-sink:'));
});

test('the gateway image copies what exists and exposes the public and metrics ports', () => {
  const dockerfile = readFileSync(join(projectDir, 'gateway.Dockerfile'), 'utf8');
  // COPY from the build context (a COPY --from=<stage> copies what that stage built).
  for (const [, src] of dockerfile.matchAll(/^COPY (?!--from)(\S+(?: \S+)*) \S+$/gm)) {
    for (const path of (src as string).split(' ')) assert.ok(existsSync(join(root, path)), `COPY ${path}`);
  }
  const env = svc(prod, 'gateway').environment ?? {};
  const exposed = /^EXPOSE (.+)$/m.exec(dockerfile)?.[1]?.split(' ') ?? [];
  assert.ok(exposed.includes(env.PORT as string) && exposed.includes(env.METRICS_PORT as string));
  assert.ok((svc(prod, 'gateway').ports ?? []).every((p) => !p.endsWith(`:${env.METRICS_PORT}`)), 'metrics port is not published');
});

test.run();
