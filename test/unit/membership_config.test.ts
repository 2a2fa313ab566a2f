// Membership settings: defaults that run, the orchestrator source parsed by its own module, errors naming the variable.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { loadMembershipConfig } from '../../gateway/src/membership/config.ts';
import { ConfigError } from '../../gateway/src/common/env.ts';

test('defaults: 24 h grace, 30 s usage flush, 10 keys a member, sync on, chain source when no subgraph URL is set', () => {
  const c = loadMembershipConfig({});
  assert.is(c.graceMs, 24 * 3_600_000);
  assert.is(c.usageFlushMs, 30_000);
  assert.is(c.maxKeysPerMember, 10);
  assert.is(c.syncEnabled, true);
  assert.is(c.orchestrators.source.kind, 'chain');
  assert.is(c.orchestrators.sync.intervalMs, 10 * 60_000);
});

test('a static source and a zero grace period are accepted', () => {
  const c = loadMembershipConfig({ ORCHESTRATOR_SOURCE: `static:0x${'ab'.repeat(20)}`, ORCHESTRATOR_GRACE_MS: '0', ORCHESTRATOR_SYNC_ENABLED: 'false' });
  assert.equal(c.orchestrators.source, { kind: 'static', addresses: [`0x${'ab'.repeat(20)}`] });
  assert.is(c.graceMs, 0);
  assert.is(c.syncEnabled, false);
});

test('bad values stop the start naming the variable', () => {
  for (const [name, value] of [
    ['ORCHESTRATOR_GRACE_MS', '-1'],
    ['ORCHESTRATOR_GRACE_MS', '1d'],
    ['USAGE_FLUSH_INTERVAL_MS', '10'],
    ['MAX_KEYS_PER_MEMBER', '0'],
    ['ORCHESTRATOR_SYNC_ENABLED', 'maybe'],
  ] as const) {
    try {
      loadMembershipConfig({ [name]: value });
      assert.unreachable(`${name}=${value} accepted`);
    } catch (err) {
      assert.instance(err, ConfigError);
      assert.is((err as ConfigError).variable, name);
    }
  }
});

test.run();
