// The background sync over real sources (the subgraph source on a loopback subgraph, the chain source on
// Anvil): good sets reach the sink, failed or empty reads keep the last good set, retries back off.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { http } from 'viem';
import { EventBus, type EventOf } from '../../gateway/src/events.ts';
import { backoffDelay } from '../../gateway/src/common/backoff.ts';
import { createChainSource } from '../../gateway/src/orchestrators/chainSource.ts';
import type { OrchestratorSource } from '../../gateway/src/orchestrators/source.ts';
import { createSubgraphSource } from '../../gateway/src/orchestrators/subgraphSource.ts';
import { OrchestratorSync, type OrchestratorSyncOptions } from '../../gateway/src/orchestrators/sync.ts';
import { startAnvil } from '../helpers/anvil.ts';
import { addresses, startFakeSubgraph, type FakeSubgraph } from './orchestrators_fakeSubgraph.ts';

type SyncEvent = EventOf<'orchestrators.sync'>;
const A = addresses(3);
const B = addresses(2, 100);

function harness(source: OrchestratorSource, overrides: Partial<OrchestratorSyncOptions> = {}) {
  const bus = new EventBus();
  const events: SyncEvent[] = [];
  bus.on('orchestrators.sync', (e) => events.push(e));
  const sunk: Array<Set<string>> = [];
  const sync = new OrchestratorSync({
    source,
    sink: (set) => {
      sunk.push(new Set(set));
    },
    bus,
    intervalMs: 60_000,
    timeoutMs: 5000,
    retryBaseMs: 20,
    retryMaxMs: 80,
    allowEmpty: false,
    jitter: 0,
    ...overrides,
  });
  return { sync, events, sunk };
}

async function withSubgraph(active: string[], fn: (s: FakeSubgraph) => Promise<void>): Promise<void> {
  const s = await startFakeSubgraph(active);
  try {
    await fn(s);
  } finally {
    await s.close();
  }
}

async function waitFor(cond: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

test('backoff doubles from the base per failure up to the cap, and jitter only ever shortens it', () => {
  const policy = { baseMs: 100, maxMs: 1000 };
  assert.equal([1, 2, 3, 4, 5, 50].map((n) => backoffDelay(n, policy)), [100, 200, 400, 800, 1000, 1000]);
  assert.is(backoffDelay(3, { ...policy, jitter: 0.5 }, () => 0), 400);
  assert.is(backoffDelay(3, { ...policy, jitter: 0.5 }, () => 1), 200);
  assert.is(backoffDelay(0, policy), 100, 'zero failures is treated as the first');
});

test('a good read reaches the sink and is announced with its size', async () => {
  await withSubgraph(A, async (s) => {
    const { sync, events, sunk } = harness(createSubgraphSource({ url: s.url }));
    const result = await sync.syncNow();
    assert.is(result.outcome, 'ok');
    assert.equal(sunk, [new Set(A)]);
    assert.equal(sync.current(), new Set(A));
    assert.ok(sync.lastSuccessAt() !== undefined);
    assert.is(events.length, 1);
    assert.equal({ ...events[0], durationMs: 0 }, {
      type: 'orchestrators.sync',
      source: 'subgraph',
      outcome: 'ok',
      count: 3,
      durationMs: 0,
      consecutiveFailures: 0,
    });
  });
});

test('a failed read keeps the last good set, is announced without the URL, and the next good read replaces it', async () => {
  await withSubgraph(A, async (s) => {
    const { sync, events, sunk } = harness(createSubgraphSource({ url: s.url }));
    await sync.syncNow();
    s.mode = 'http_500';
    const failed = await sync.syncNow();
    assert.is(failed.outcome, 'failed');
    assert.equal(sync.current(), new Set(A), 'the last good set stays');
    assert.is(sunk.length, 1, 'the sink is not called with anything after a failure');
    const e = events.at(-1)!;
    assert.is(e.outcome, 'failed');
    assert.is(e.count, 3);
    assert.is(e.consecutiveFailures, 1);
    assert.match(e.error ?? '', /HTTP 500/);
    assert.not.ok((e.error ?? '').includes('SECRETKEY') || (e.error ?? '').includes('127.0.0.1'));
    s.mode = 'ok';
    s.active = B;
    assert.is((await sync.syncNow()).outcome, 'ok');
    assert.equal(sync.current(), new Set(B));
    assert.equal(sunk.at(-1), new Set(B));
    assert.is(events.at(-1)!.consecutiveFailures, 0);
  });
});

test('an empty set is refused as suspicious unless allowed', async () => {
  await withSubgraph(A, async (s) => {
    const { sync, events, sunk } = harness(createSubgraphSource({ url: s.url }));
    await sync.syncNow();
    s.active = [];
    const refused = await sync.syncNow();
    assert.is(refused.outcome, 'failed');
    assert.match(events.at(-1)!.error ?? '', /no orchestrators.*ORCHESTRATOR_ALLOW_EMPTY/);
    assert.equal(sync.current(), new Set(A));
    assert.is(sunk.length, 1);

    const allowed = harness(createSubgraphSource({ url: s.url }), { allowEmpty: true });
    assert.is((await allowed.sync.syncNow()).outcome, 'ok');
    assert.equal(allowed.sunk, [new Set()]);
  });
});

test('a sink that fails makes the sync fail and the set is offered again next time', async () => {
  await withSubgraph(A, async (s) => {
    let broken = true;
    const received: number[] = [];
    const { sync, events } = harness(createSubgraphSource({ url: s.url }), {
      sink: (set) => {
        if (broken) throw new Error('database is down');
        received.push(set.size);
      },
    });
    assert.is((await sync.syncNow()).outcome, 'failed');
    assert.match(events.at(-1)!.error ?? '', /database is down/);
    assert.is(sync.current(), undefined);
    assert.is(events.at(-1)!.count, 0);
    broken = false;
    assert.is((await sync.syncNow()).outcome, 'ok');
    assert.equal(received, [3]);
  });
});

test('on its schedule, failures retry after 20, 40, 80, 80 ms, and success returns to the interval', async () => {
  await withSubgraph(A, async (s) => {
    s.mode = 'http_500';
    const { sync, events } = harness(createSubgraphSource({ url: s.url }), { intervalMs: 60_000 });
    try {
      sync.start();
      await waitFor(() => events.length >= 4, 'four failed syncs');
      s.mode = 'ok';
      await waitFor(() => events.some((e) => e.outcome === 'ok'), 'a good sync');
      const upToOk = events.slice(0, events.findIndex((e) => e.outcome === 'ok') + 1);
      const failures = upToOk.slice(0, -1);
      assert.equal(
        failures.slice(0, 4).map((e) => [e.outcome, e.consecutiveFailures, e.nextSyncMs]),
        [
          ['failed', 1, 20],
          ['failed', 2, 40],
          ['failed', 3, 80],
          ['failed', 4, 80],
        ],
      );
      assert.equal(upToOk.at(-1)!.nextSyncMs, 60_000);
      assert.is(upToOk.at(-1)!.consecutiveFailures, 0);
    } finally {
      await sync.stop();
    }
  });
});

test('two syncs asked for at once share one read', async () => {
  await withSubgraph(A, async (s) => {
    const { sync } = harness(createSubgraphSource({ url: s.url }));
    const [a, b] = await Promise.all([sync.syncNow(), sync.syncNow()]);
    assert.equal(a, b);
    assert.is(s.requests.length, 1);
  });
});

test('a source that ignores the abort (a frozen node under the chain source) fails at the sync timeout', async () => {
  const anvil = await startAnvil();
  try {
    await anvil.pause();
    const source = createChainSource({ transport: http(anvil.url, { retryCount: 0, timeout: 60_000 }), bondingManager: '0x35Bcf3c30594191d53231E4FF333E8A770453e40' });
    const { sync, events } = harness(source, { timeoutMs: 300 });
    const result = await sync.syncNow();
    assert.is(result.outcome, 'failed');
    assert.match(events.at(-1)!.error ?? '', /no answer within 300 ms/);
    assert.is(events.at(-1)!.source, 'chain');
  } finally {
    await anvil.kill();
  }
});

test('stopping during a read abandons it quietly: no failure is announced and nothing is scheduled', async () => {
  await withSubgraph(A, async (s) => {
    s.mode = 'hang';
    const { sync, events } = harness(createSubgraphSource({ url: s.url }));
    sync.start();
    await waitFor(() => s.requests.length === 1, 'the first request');
    await sync.stop();
    await new Promise((r) => setTimeout(r, 100));
    assert.is(events.length, 0);
    assert.is(s.requests.length, 1);
  });
});

test.run();
