// The Kubernetes manifests (deploy/kubernetes): every object is valid against the Kubernetes API's schemas
// (kubernetes-models' validate()), every file is applied by a kustomization, and what the manifests say about
// the gateway is what the gateway does: its ports, its probes' paths, the variables it reads, its drain.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parseAllDocuments } from 'yaml';
import { apps, autoscaling, policy, v1 } from 'kubernetes-models';
import { ServiceMonitor } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/ServiceMonitor';
import { loadConfig } from '../../gateway/src/config.ts';
import { statusRouter } from '../../gateway/src/http/statusRoutes.ts';
import { loadTelemetryConfig } from '../../gateway/src/telemetry/index.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));
const dir = join(root, 'deploy/kubernetes');

type Obj = { apiVersion: string; kind: string; metadata: { name: string; namespace?: string; labels?: Record<string, string> }; [k: string]: any };

function yamlFiles(d: string): string[] {
  return readdirSync(d).flatMap((f) => {
    const full = join(d, f);
    return statSync(full).isDirectory() ? yamlFiles(full) : f.endsWith('.yaml') || f.endsWith('.yml') ? [full] : [];
  });
}

const files = yamlFiles(dir);
const docs = files.flatMap((file) =>
  parseAllDocuments(readFileSync(file, 'utf8')).map((d) => {
    if (d.errors.length) throw new Error(`${relative(root, file)}: ${d.errors[0]?.message}`);
    return { file, obj: d.toJS() as Obj };
  }),
);
const kustomizations = docs.filter((d) => d.obj.kind === 'Kustomization');
const objects = docs.filter((d) => d.obj.kind !== 'Kustomization');
const find = (kind: string, name?: string): Obj => {
  const found = objects.filter((d) => d.obj.kind === kind && (name === undefined || d.obj.metadata.name === name));
  if (found.length !== 1) throw new Error(`expected one ${kind}${name ? ` ${name}` : ''}, found ${found.length}`);
  return found[0]!.obj;
};

/** The model class for each apiVersion and kind the manifests use; an object of any other kind fails the test. */
const MODELS: Record<string, Record<string, new (o: any) => { validate(): void }>> = {
  v1: { Namespace: v1.Namespace, ConfigMap: v1.ConfigMap, Secret: v1.Secret, Service: v1.Service },
  'apps/v1': { Deployment: apps.v1.Deployment },
  'policy/v1': { PodDisruptionBudget: policy.v1.PodDisruptionBudget },
  'autoscaling/v2': { HorizontalPodAutoscaler: autoscaling.v2.HorizontalPodAutoscaler },
  'monitoring.coreos.com/v1': { ServiceMonitor },
};

test('every object validates against the Kubernetes API schema', () => {
  assert.ok(objects.length >= 8, `objects found: ${objects.length}`);
  for (const { file, obj } of objects) {
    const Model = MODELS[obj.apiVersion]?.[obj.kind];
    assert.ok(Model, `${relative(root, file)}: a model for ${obj.apiVersion} ${obj.kind}`);
    try {
      new Model!(obj).validate();
    } catch (err) {
      assert.unreachable(`${relative(root, file)} ${obj.kind}/${obj.metadata?.name}: ${(err as Error).message}`);
    }
  }
});

test('every manifest file is applied by a kustomization, and everything a kustomization lists exists', () => {
  const listed = new Set<string>();
  for (const { file, obj } of kustomizations) {
    assert.is(obj.apiVersion, 'kustomize.config.k8s.io/v1beta1');
    for (const r of obj.resources as string[]) {
      const path = resolve(dirname(file), r);
      const st = statSync(path, { throwIfNoEntry: false });
      assert.ok(st, `${relative(root, file)}: ${r} exists`);
      if (st?.isDirectory()) assert.ok(statSync(join(path, 'kustomization.yaml')).isFile(), `${r} is a kustomization`);
      else listed.add(path);
    }
  }
  for (const { file } of objects) assert.ok(listed.has(file), `${relative(root, file)} is in a kustomization`);
  const base = kustomizations.find((k) => k.file === join(dir, 'kustomization.yaml'))?.obj;
  assert.ok(base?.namespace, 'the base sets a namespace');
  assert.is(find('Namespace').metadata.name, base?.namespace);
  const container = find('Deployment').spec.template.spec.containers[0];
  assert.ok(base?.images.some((i: { name: string }) => i.name === container.image), 'the image is set by the kustomization');
});

/** The environment the container gets: the ConfigMap's and Secret's keys (envFrom), then its own env. */
function containerEnv(): Record<string, string> {
  const container = find('Deployment').spec.template.spec.containers[0];
  const env: Record<string, string> = {};
  for (const from of container.envFrom ?? []) {
    if (from.configMapRef) Object.assign(env, find('ConfigMap', from.configMapRef.name).data);
    if (from.secretRef) Object.assign(env, find('Secret', from.secretRef.name).stringData);
  }
  for (const e of container.env ?? []) env[e.name] = e.value;
  return env;
}

/** The variables the gateway's config modules read for this environment, recorded as they read them. */
function readByGateway(env: Record<string, string>): Set<string> {
  const read = new Set<string>();
  const recording = new Proxy(env, {
    get(target, name) {
      if (typeof name === 'string') read.add(name);
      return target[name as string];
    },
  });
  loadConfig(recording);
  loadTelemetryConfig(recording);
  return read;
}

test('every variable in the ConfigMap and Secret is one the gateway reads, and the values load', () => {
  const env = containerEnv();
  const read = readByGateway(env);
  for (const name of Object.keys(env)) assert.ok(read.has(name), `${name} is read by the gateway's config`);
  assert.ok(env.DATABASE_URL, 'a PostgreSQL DATABASE_URL: replicas share one database');
  const secretKeys = Object.keys(find('Secret').stringData);
  const configKeys = Object.keys(find('ConfigMap').data);
  for (const secret of ['DATABASE_URL', 'L2_UPSTREAMS', 'L1_UPSTREAMS', 'SUBGRAPH_URL']) {
    assert.not.ok(configKeys.includes(secret), `${secret} belongs in the Secret`);
  }
  assert.ok(secretKeys.includes('DATABASE_URL'));
});

test('container ports, Service ports and probes match what the gateway listens on and serves', () => {
  const env = containerEnv();
  const config = loadConfig(env);
  const telemetry = loadTelemetryConfig(env);
  const deployment = find('Deployment');
  const pod = deployment.spec.template.spec;
  const container = pod.containers[0];
  const ports = Object.fromEntries((container.ports as Array<{ name: string; containerPort: number }>).map((p) => [p.name, p.containerPort]));
  assert.equal(ports, { http: config.port, metrics: telemetry.metrics.port });
  assert.is(config.host, '0.0.0.0');
  assert.is(telemetry.metrics.host, '0.0.0.0');

  // The paths the gateway's status router serves.
  const router = statusRouter({ networks: {}, database: { ping: async () => true, kind: 'postgres' }, version: 'test' });
  const served = new Set(router.stack.map((layer) => layer.path));
  const probe = (name: string) => container[name].httpGet as { path: string; port: string };
  assert.equal(probe('livenessProbe'), { path: '/healthz', port: 'http' });
  assert.equal(probe('startupProbe'), { path: '/healthz', port: 'http' });
  assert.equal(probe('readinessProbe'), { path: '/readyz', port: 'http' });
  for (const p of ['livenessProbe', 'readinessProbe', 'startupProbe']) assert.ok(served.has(probe(p).path), `${probe(p).path} is served`);
  assert.ok(container.readinessProbe.timeoutSeconds >= 3, "above /readyz's 2 s database ping");

  const annotations = deployment.spec.template.metadata.annotations;
  assert.is(Number(annotations['prometheus.io/port']), telemetry.metrics.port);
  assert.is(annotations['prometheus.io/path'], '/metrics');

  // Services select the pods and name ports the container has; the ServiceMonitor scrapes the metrics Service.
  const podLabels = deployment.spec.template.metadata.labels;
  const matches = (selector: Record<string, string>, labels: Record<string, string>) =>
    Object.entries(selector).every(([k, v]) => labels[k] === v);
  const services = objects.filter((d) => d.obj.kind === 'Service').map((d) => d.obj);
  for (const s of services) {
    assert.ok(matches(s.spec.selector, podLabels), `${s.metadata.name} selects the gateway pods`);
    for (const p of s.spec.ports) assert.ok(p.targetPort in ports, `${s.metadata.name} targets port ${p.targetPort}`);
  }
  const publicService = find('Service', 'rpc-gateway');
  assert.equal(publicService.spec.ports.map((p: { targetPort: string }) => p.targetPort), ['http'], 'metrics stay off the members\' Service');
  const monitor = find('ServiceMonitor');
  const scraped = services.filter((s) => matches(monitor.spec.selector.matchLabels, s.metadata.labels ?? {}));
  assert.is(scraped.length, 1);
  assert.is(scraped[0]!.spec.ports[0].name, monitor.spec.endpoints[0].port);
  assert.ok(
    monitor.spec.endpoints[0].relabelings.some((r: { targetLabel: string; replacement: string }) => r.targetLabel === 'job' && r.replacement === 'gateway'),
    'job="gateway", as the alert rules expect',
  );
  assert.ok(matches(deployment.spec.selector.matchLabels, podLabels));
  assert.ok(matches(find('PodDisruptionBudget').spec.selector.matchLabels, podLabels));
  assert.is(find('HorizontalPodAutoscaler').spec.scaleTargetRef.name, deployment.metadata.name);
});

test('termination: the grace period covers the preStop and the whole drain; the drain grace is shorter', () => {
  const config = loadConfig(containerEnv());
  const pod = find('Deployment').spec.template.spec;
  const preStop = pod.containers[0].lifecycle?.preStop;
  // A preStop runs before the SIGTERM, inside the same grace period.
  const preStopSeconds = preStop?.sleep?.seconds ?? 0;
  assert.not.ok(preStop?.exec, 'no shell-based preStop: the image has no guarantee of a sleep binary');
  assert.ok(
    pod.terminationGracePeriodSeconds >= preStopSeconds + config.drain.timeoutMs / 1000 + 2,
    `terminationGracePeriodSeconds ${pod.terminationGracePeriodSeconds} >= preStop ${preStopSeconds} + drain ${config.drain.timeoutMs / 1000} + 2`,
  );
  assert.ok(config.drain.graceMs >= 2000, 'the grace leaves time for the endpoint removal to propagate');
  assert.ok(config.drain.graceMs < config.drain.timeoutMs);
});

test('runs as non-root with a read-only root filesystem and no privileges; resources set; replicas and disruption budget', () => {
  const deployment = find('Deployment');
  const pod = deployment.spec.template.spec;
  const container = pod.containers[0];
  assert.is(pod.securityContext.runAsNonRoot, true);
  assert.ok(pod.securityContext.runAsUser > 0);
  assert.is(container.securityContext.readOnlyRootFilesystem, true);
  assert.is(container.securityContext.allowPrivilegeEscalation, false);
  assert.equal(container.securityContext.capabilities.drop, ['ALL']);
  assert.is(pod.automountServiceAccountToken, false);
  assert.ok(container.resources.requests.cpu && container.resources.requests.memory && container.resources.limits.memory);
  // The image's user is the same numeric user, so the kubelet can verify runAsNonRoot.
  const dockerfile = readFileSync(join(root, 'compose/gateway.Dockerfile'), 'utf8');
  assert.is(/^USER (\d+)(?::\d+)?$/m.exec(dockerfile)?.[1], String(pod.securityContext.runAsUser));
  assert.is(deployment.spec.replicas, 3);
  assert.is(deployment.spec.strategy.rollingUpdate.maxUnavailable, 0);
  const pdb = find('PodDisruptionBudget');
  assert.ok(pdb.spec.maxUnavailable === 1 || pdb.spec.minAvailable === 2);
  assert.ok(find('HorizontalPodAutoscaler').spec.minReplicas >= deployment.spec.replicas);
});

test('migrations at start-up take their lock, as the deployment comment says', () => {
  const migrate = readFileSync(join(root, 'gateway/src/store/migrate.ts'), 'utf8');
  assert.match(migrate, /pg_advisory_xact_lock/);
  assert.match(readFileSync(join(dir, 'deployment.yaml'), 'utf8'), /advisory lock/);
  assert.not.ok(objects.some((d) => d.obj.kind === 'Job'), 'no migration Job: start-up migrates');
});

test.run();
