import { spawnSync } from 'node:child_process';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ConfigError, loadConfig, parseUpstreams } from '../../gateway/src/config.ts';

function errorOf(env: Record<string, string>): ConfigError {
  try {
    loadConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error('expected a ConfigError');
}

test('defaults run: public pools, embedded database, limits', () => {
  const c = loadConfig({});
  assert.is(c.port, 8080);
  assert.ok(c.networks.l2.nodes.length >= 1);
  assert.ok(c.networks.l1.nodes.length >= 1);
  assert.is(c.databaseUrl, undefined);
  assert.is(c.dataDir, './data');
  assert.is(c.cache.headTtlMs, 2000);
  assert.ok(c.methods.deny.includes('debug_*'));
  assert.equal([c.access.unknownKeyPerMinute, c.access.unknownKeyBurst], [120, 60]);
});

test('upstreams: named and unnamed, in priority order, names never from credentials', () => {
  const nodes = parseUpstreams('L2_UPSTREAMS', 'own=http://10.0.0.5:8547, https://user:secret@rpc.example.org/v2/abc');
  assert.equal(nodes.map((n) => n.name), ['own', 'rpc.example.org']);
  assert.is(nodes[1]!.url, 'https://user:secret@rpc.example.org/v2/abc');
});

test('two URLs on one host and port get distinct generated names, never a configured one', () => {
  const nodes = parseUpstreams('L2_UPSTREAMS', 'http://127.0.0.1:39523/a,http://127.0.0.1:39523/b,127.0.0.1-39523-2=http://10.0.0.9:1,http://127.0.0.1:39523/c');
  assert.equal(nodes.map((n) => n.name), ['127.0.0.1-39523', '127.0.0.1-39523-3', '127.0.0.1-39523-2', '127.0.0.1-39523-4']);
  assert.equal(new Set(nodes.map((n) => n.name)).size, 4);
});

const BAD: Array<[Record<string, string>, string, RegExp]> = [
  [{ PORT: 'eighty' }, 'PORT', /whole number/],
  [{ PORT: '70000' }, 'PORT', /between/],
  [{ L2_UPSTREAMS: 'not a url' }, 'L2_UPSTREAMS', /not a URL/],
  [{ L1_UPSTREAMS: 'ws://node:8546' }, 'L1_UPSTREAMS', /http/],
  [{ L2_UPSTREAMS: 'a=http://x:1,a=http://y:1' }, 'L2_UPSTREAMS', /used twice/],
  [{ CACHE_HEAD_TTL_MS: '5000' }, 'CACHE_HEAD_TTL_MS', /between 1 and 2000/],
  [{ CACHE_ENABLED: 'maybe' }, 'CACHE_ENABLED', /true or false/],
  [{ MAX_BATCH: '0' }, 'MAX_BATCH', /between/],
  [{ UNKNOWN_KEY_RATE_BURST: '0' }, 'UNKNOWN_KEY_RATE_BURST', /between/],
  [{ BREAKER_COOLDOWN_MS: '5000', BREAKER_MAX_COOLDOWN_MS: '1000' }, 'BREAKER_MAX_COOLDOWN_MS', /at least/],
  [{ DRAIN_GRACE_MS: '30000', DRAIN_TIMEOUT_MS: '25000' }, 'DRAIN_TIMEOUT_MS', /more than DRAIN_GRACE_MS/],
  [{ CONFIG_FILE: '/nonexistent/gateway.json' }, 'CONFIG_FILE', /cannot read/],
];
for (const [env, variable, message] of BAD) {
  test(`${JSON.stringify(env)} is refused, naming ${variable}`, () => {
    const err = errorOf(env);
    assert.is(err.variable, variable);
    assert.match(err.message, message);
  });
}

test('the process refuses to start on bad config: exit code 2 and the variable named on stderr', () => {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'gateway/src/main.ts'], {
    env: { ...process.env, PORT: 'eighty' },
    encoding: 'utf8',
    timeout: 30_000,
  });
  assert.is(r.status, 2);
  assert.match(r.stderr, /config error: PORT: must be a whole number/);
});

test.run();
