// Orchestrator source and sync settings from the environment: defaults, each source, and errors naming the variable.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ConfigError } from '../../gateway/src/config.ts';
import { ARBITRUM_BONDING_MANAGER, loadOrchestratorConfig } from '../../gateway/src/orchestrators/config.ts';

const SUBGRAPH = 'https://gateway.thegraph.com/api/k/subgraphs/id/FE63YgkzcpVocxdCEyEYbvjYqEf2kb1A6daMYRxmejYC';

function configError(env: Record<string, string>): ConfigError {
  try {
    loadOrchestratorConfig(env);
  } catch (err) {
    assert.instance(err, ConfigError);
    return err as ConfigError;
  }
  throw new Error(`expected a ConfigError for ${JSON.stringify(env)}`);
}

test('the subgraph is the default source, synced every 10 minutes, refusing empty sets', () => {
  const c = loadOrchestratorConfig({ SUBGRAPH_URL: SUBGRAPH });
  assert.equal(c.source, { kind: 'subgraph', url: SUBGRAPH, pageSize: 1000 });
  assert.is(c.sync.intervalMs, 600_000);
  assert.is(c.sync.allowEmpty, false);
  assert.ok(c.sync.retryBaseMs < c.sync.retryMaxMs && c.sync.retryMaxMs <= c.sync.intervalMs);
});

test('with neither ORCHESTRATOR_SOURCE nor SUBGRAPH_URL the chain source is used, so defaults run', () => {
  assert.is(loadOrchestratorConfig({}).source.kind, 'chain');
});

test('the subgraph source without SUBGRAPH_URL is a ConfigError that names it and the alternative', () => {
  const err = configError({ ORCHESTRATOR_SOURCE: 'subgraph' });
  assert.is(err.variable, 'SUBGRAPH_URL');
  assert.match(err.message, /ORCHESTRATOR_SOURCE=chain/);
  assert.is(configError({ SUBGRAPH_URL: 'not a url' }).variable, 'SUBGRAPH_URL');
  assert.is(configError({ SUBGRAPH_URL: 'ftp://x.org/q' }).variable, 'SUBGRAPH_URL');
});

test('the chain source reads the Arbitrum One BondingManager unless told otherwise', () => {
  assert.equal(loadOrchestratorConfig({ ORCHESTRATOR_SOURCE: 'chain' }).source, {
    kind: 'chain',
    bondingManager: ARBITRUM_BONDING_MANAGER,
    activeOnly: false,
    maxPoolSize: 1000,
  });
  const custom = loadOrchestratorConfig({
    ORCHESTRATOR_SOURCE: 'chain',
    BONDING_MANAGER_ADDRESS: '0x35bcf3c30594191d53231e4ff333e8a770453e40',
    ORCHESTRATOR_CHAIN_ACTIVE_ONLY: 'true',
  }).source;
  assert.equal(custom, { kind: 'chain', bondingManager: ARBITRUM_BONDING_MANAGER, activeOnly: true, maxPoolSize: 1000 });
  assert.is(configError({ ORCHESTRATOR_SOURCE: 'chain', BONDING_MANAGER_ADDRESS: '0x35bc' }).variable, 'BONDING_MANAGER_ADDRESS');
});

test('a static list gives lower-case, de-duplicated addresses; a bad item is named', () => {
  const a = '0x70997970C51812dc3A010C7d01b50e0d17dc79C8';
  const b = '0x3c44cdddb6a900fa2b585dd299e03d12fa4293bc';
  const c = loadOrchestratorConfig({ ORCHESTRATOR_SOURCE: `static:${a}, ${b},${a.toLowerCase()}` });
  assert.equal(c.source, { kind: 'static', addresses: [a.toLowerCase(), b] });
  const err = configError({ ORCHESTRATOR_SOURCE: `static:${a},0xnope` });
  assert.is(err.variable, 'ORCHESTRATOR_SOURCE');
  assert.match(err.message, /item 2/);
  assert.is(configError({ ORCHESTRATOR_SOURCE: 'static:' }).variable, 'ORCHESTRATOR_SOURCE');
  assert.is(configError({ ORCHESTRATOR_SOURCE: 'database' }).variable, 'ORCHESTRATOR_SOURCE');
});

test('sync timings and switches are validated and named when wrong', () => {
  const c = loadOrchestratorConfig({
    ORCHESTRATOR_SOURCE: 'chain',
    ORCHESTRATOR_SYNC_INTERVAL_MS: '60000',
    ORCHESTRATOR_SYNC_RETRY_MS: '1000',
    ORCHESTRATOR_SYNC_RETRY_MAX_MS: '30000',
    ORCHESTRATOR_SYNC_TIMEOUT_MS: '5000',
    ORCHESTRATOR_ALLOW_EMPTY: 'yes',
  });
  assert.equal(c.sync, { intervalMs: 60_000, retryBaseMs: 1000, retryMaxMs: 30_000, timeoutMs: 5000, allowEmpty: true });
  const env = { ORCHESTRATOR_SOURCE: 'chain' };
  assert.is(configError({ ...env, ORCHESTRATOR_SYNC_INTERVAL_MS: '10m' }).variable, 'ORCHESTRATOR_SYNC_INTERVAL_MS');
  assert.is(configError({ ...env, ORCHESTRATOR_SYNC_INTERVAL_MS: '5' }).variable, 'ORCHESTRATOR_SYNC_INTERVAL_MS');
  assert.is(configError({ ...env, ORCHESTRATOR_ALLOW_EMPTY: 'maybe' }).variable, 'ORCHESTRATOR_ALLOW_EMPTY');
  assert.is(
    configError({ ...env, ORCHESTRATOR_SYNC_RETRY_MS: '5000', ORCHESTRATOR_SYNC_RETRY_MAX_MS: '1000' }).variable,
    'ORCHESTRATOR_SYNC_RETRY_MAX_MS',
  );
});

test.run();
