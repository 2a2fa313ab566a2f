import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { StatsCache, type Stats } from '../../gateway/src/telemetry/statsCache.ts';
import { manualClock } from '../helpers/clock.ts';

test('no provider registered: nothing to report', async () => {
  assert.is(await new StatsCache(50).read(), undefined);
});

test('a provider that answers: its values, database up unless it says otherwise', async () => {
  const cache = new StatsCache(1000, 0);
  cache.set(() => ({ members: 4, apiKeysActive: 3 }));
  assert.equal(await cache.read(), { stats: { members: 4, apiKeysActive: 3 }, databaseUp: true });
  cache.set(async () => ({ members: 5, databaseUp: false }));
  assert.equal(await cache.read(), { stats: { members: 5, apiKeysActive: 3 }, databaseUp: false });
});

test('a failing provider (thrown or rejected): last good values kept, database down', async () => {
  const cache = new StatsCache(1000, 0);
  cache.set(() => ({ members: 7, orchestratorsActive: 2 }));
  await cache.read();
  cache.set(() => {
    throw new Error('connection refused');
  });
  assert.equal(await cache.read(), { stats: { members: 7, orchestratorsActive: 2 }, databaseUp: false });
  cache.set(() => Promise.reject(new Error('timeout')));
  assert.equal(await cache.read(), { stats: { members: 7, orchestratorsActive: 2 }, databaseUp: false });
});

test('a hanging provider: the read gives up after the time box with the last good values, and is not called again while stuck', async () => {
  const cache = new StatsCache(100, 0);
  cache.set(() => ({ members: 9 }));
  await cache.read();
  let calls = 0;
  cache.set(() => {
    calls++;
    return new Promise<Stats>(() => {}); // never settles, like a query on a dead connection
  });
  const first = await cache.read();
  assert.equal(first, { stats: { members: 9 }, databaseUp: false });
  const second = await cache.read();
  assert.equal(second, { stats: { members: 9 }, databaseUp: false });
  assert.is(calls, 1);
});

test('a provider that answers late still refreshes the values for the next read', async () => {
  const cache = new StatsCache(30, 0);
  let answer!: (stats: Stats) => void;
  const late = new Promise<Stats>((resolve) => (answer = resolve));
  cache.set(() => late);
  assert.equal(await cache.read(), { stats: {}, databaseUp: false }, 'the time box ran out first');
  answer({ members: 11 });
  await new Promise((r) => setImmediate(r)); // the refresh in flight takes the answer
  assert.equal(await cache.read().then((r) => r?.stats), { members: 11 });
});

test('the minimum interval between provider calls is kept on the cache\'s clock', async () => {
  const clock = manualClock();
  const cache = new StatsCache(1000, 5000, clock.now);
  let calls = 0;
  cache.set(() => ({ members: ++calls }));
  assert.equal((await cache.read())?.stats, { members: 1 });
  clock.advance(4999);
  assert.equal((await cache.read())?.stats, { members: 1 }, 'within the interval: the last values');
  clock.advance(1);
  assert.equal((await cache.read())?.stats, { members: 2 });
});

test('reads closer together than the minimum interval share one provider call', async () => {
  const cache = new StatsCache(1000, 60_000);
  let calls = 0;
  cache.set(() => ({ members: ++calls }));
  await cache.read();
  await cache.read();
  await Promise.all([cache.read(), cache.read()]);
  assert.is(calls, 1);
});

test('values that are not finite non-negative numbers are ignored', async () => {
  const cache = new StatsCache(1000, 0);
  cache.set(() => ({ members: Number.NaN, apiKeysActive: -1, orchestratorsActive: Infinity, orchestratorsUsing24h: 3, junk: 'x' }) as Stats);
  assert.equal((await cache.read())?.stats, { orchestratorsUsing24h: 3 });
});

test.run();
