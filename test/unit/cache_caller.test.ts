import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { CachingCaller, type HeadView, type Upstream } from '../../gateway/src/cache/cachingCaller.ts';
import { ResponseCache } from '../../gateway/src/cache/store.ts';
import { EventBus, type EventOf } from '../../gateway/src/events.ts';
import type { Network } from '../../gateway/src/common/network.ts';
import { UpstreamUnavailableError } from '../../gateway/src/rpc/errors.ts';
import type { CallOutcome } from '../../gateway/src/rpc/types.ts';

const A = '0x' + 'ab'.repeat(20);
const TX = '0x' + 'ef'.repeat(32);
const hashOf = (n: number) => `0x${n.toString(16).padStart(64, '0')}`;
const hex = (n: number) => `0x${n.toString(16)}`;
const ok = (value: unknown): CallOutcome => ({ kind: 'result', raw: JSON.stringify(value), value });

/**
 * Our own Upstream interface, implemented in-test: counts calls, answers each with a fresh value
 * (so a second upstream call is visible in the result), and can hold calls open to overlap them.
 */
class CountingUpstream implements Upstream {
  calls: Array<{ method: string; params: unknown }> = [];
  current: HeadView | undefined = { number: 200, hash: hashOf(200), finalized: 100 };
  answer: (method: string, params: unknown, n: number) => CallOutcome | Error = (method, params, n) => {
    if (method === 'eth_getBlockByNumber') {
      const num = Number((params as string[])[0]);
      return ok({ number: hex(num), hash: hashOf(num), seq: n });
    }
    return ok(`${method}#${n}`);
  };
  private gate: { promise: Promise<void>; open: () => void } | undefined;

  hold(): void {
    let open!: () => void;
    this.gate = { promise: new Promise<void>((r) => (open = r)), open };
  }
  release(): void {
    this.gate?.open();
    this.gate = undefined;
  }
  count(method: string): number {
    return this.calls.filter((c) => c.method === method).length;
  }
  async call(method: string, params: unknown): Promise<CallOutcome> {
    this.calls.push({ method, params });
    const n = this.calls.length;
    if (this.gate) await this.gate.promise;
    const a = this.answer(method, params, n);
    if (a instanceof Error) throw a;
    return a;
  }
  head(): HeadView | undefined {
    return this.current;
  }
  move(number: number, hash = hashOf(number), finalized = this.current?.finalized): void {
    this.current = { number, hash, finalized };
  }
}

function setup(opts: { cache?: boolean; network?: Network; shared?: ResponseCache } = {}) {
  let t = 1_000; // lru-cache reads a start time of 0 as "no TTL"
  const now = () => t;
  const upstream = new CountingUpstream();
  const cache = opts.cache === false ? undefined : (opts.shared ?? new ResponseCache({ maxEntries: 1000, maxBytes: 1_000_000, now }));
  const bus = new EventBus();
  const lookups: Array<EventOf<'cache.lookup'>> = [];
  bus.on('cache.lookup', (e) => lookups.push(e));
  const caller = new CachingCaller(opts.network ?? 'l2', upstream, cache, { headTtlMs: 2000, finalizedTtlMs: 3_600_000 }, bus);
  let id = 0;
  const call = (method: string, params: unknown[] = []) => caller.call(method, params, { requestId: `r${++id}` });
  const raw = async (method: string, params: unknown[] = []) => {
    const o = await call(method, params);
    assert.is(o.kind, 'result');
    return o.kind === 'result' ? o.raw : '';
  };
  return { upstream, cache, caller, call, raw, lookups, advance: (ms: number) => (t += ms) };
}

const results = (lookups: Array<EventOf<'cache.lookup'>>) => lookups.map((e) => e.result);

test('100 identical concurrent calls make one upstream call and all get its answer', async () => {
  const s = setup();
  s.upstream.hold();
  const pending = Array.from({ length: 100 }, () => s.raw('eth_getBalance', [A, 'latest']));
  s.upstream.release();
  const answers = await Promise.all(pending);
  assert.is(s.upstream.count('eth_getBalance'), 1);
  assert.ok(answers.every((a) => a === answers[0]));
  assert.is(results(s.lookups).filter((r) => r === 'miss').length, 1);
  assert.is(results(s.lookups).filter((r) => r === 'coalesced').length, 99);
});

test('a head-tier answer is served at the same head and not after the head moves', async () => {
  const s = setup();
  const first = await s.raw('eth_blockNumber');
  assert.is(await s.raw('eth_blockNumber'), first);
  assert.is(s.upstream.count('eth_blockNumber'), 1);
  s.upstream.move(201);
  assert.is.not(await s.raw('eth_blockNumber'), first);
  assert.is(s.upstream.count('eth_blockNumber'), 2);
  assert.equal(results(s.lookups), ['miss', 'hit', 'miss']);
});

test('an answer showing a block the tracker has not seen retires head-tier answers cached before it', async () => {
  const s = setup();
  // The tracker still says 200; a node has already mined 201 and the member reads its receipt.
  let nodeHead = 200;
  s.upstream.answer = (method) => {
    if (method === 'eth_blockNumber') return ok(hex(nodeHead));
    if (method === 'eth_getTransactionReceipt') return ok({ transactionHash: TX, blockNumber: hex(201), status: '0x1' });
    return ok(`${method}`);
  };
  assert.is(await s.raw('eth_blockNumber'), JSON.stringify(hex(200)));
  nodeHead = 201;
  assert.is(await s.raw('eth_blockNumber'), JSON.stringify(hex(200)), 'same head, no newer block shown yet: a hit');
  await s.raw('eth_getTransactionReceipt', [TX]);
  assert.is(await s.raw('eth_blockNumber'), JSON.stringify(hex(201)), 'after the receipt at 201, never 200 again');
  assert.is(await s.raw('eth_blockNumber'), JSON.stringify(hex(201)));
  assert.is(s.upstream.count('eth_blockNumber'), 2);
  // A node's own eth_blockNumber counts too: the answer that shows 202 is the one served after it.
  s.advance(2001);
  nodeHead = 202;
  assert.is(await s.raw('eth_blockNumber'), JSON.stringify(hex(202)));
  assert.is(await s.raw('eth_blockNumber'), JSON.stringify(hex(202)));
  assert.is(s.upstream.count('eth_blockNumber'), 3);
  // Once the tracker catches up, keys follow its head hash again.
  s.upstream.move(202);
  await s.raw('eth_blockNumber');
  assert.is(s.upstream.count('eth_blockNumber'), 4);
});

test('a pending block shows a number not mined yet: it does not retire head-tier answers', async () => {
  const s = setup();
  s.upstream.answer = (method, params, n) => {
    if (method === 'eth_getBlockByNumber') return ok({ number: hex(201), hash: null, seq: n });
    return ok(`${method}#${n}`);
  };
  const first = await s.raw('eth_gasPrice');
  await s.raw('eth_getBlockByNumber', ['pending', false]);
  assert.is(await s.raw('eth_gasPrice'), first);
  assert.is(s.upstream.count('eth_gasPrice'), 1);
});

test('a same-height reorg (new head hash) makes head-tier answers unreachable', async () => {
  const s = setup();
  const before = await s.raw('eth_call', [{ to: A, data: '0x01' }, 'latest']);
  s.upstream.move(200, '0x' + '77'.repeat(32));
  const after = await s.raw('eth_call', [{ to: A, data: '0x01' }, 'latest']);
  assert.is.not(after, before);
  assert.is(s.upstream.count('eth_call'), 2);
});

test('a block above finalized is cached only until the head hash changes (reorg at that height)', async () => {
  const s = setup();
  const first = await s.raw('eth_getBlockByNumber', ['0xc8', false]);
  assert.is(await s.raw('eth_getBlockByNumber', ['0xc8', false]), first);
  s.upstream.move(200, '0x' + '66'.repeat(32));
  assert.is.not(await s.raw('eth_getBlockByNumber', ['0xc8', false]), first);
  assert.is(s.upstream.count('eth_getBlockByNumber'), 2);
});

test('a head-tier answer expires after headTtlMs even if the head is not seen to move', async () => {
  const s = setup();
  const first = await s.raw('eth_gasPrice');
  s.advance(1999);
  assert.is(await s.raw('eth_gasPrice'), first);
  s.advance(2);
  assert.is.not(await s.raw('eth_gasPrice'), first);
});

test('a final-tier answer survives head changes and reorgs above finality', async () => {
  const s = setup();
  const first = await s.raw('eth_getBlockByNumber', ['0x50', false]);
  s.upstream.move(201);
  s.upstream.move(201, '0x' + '55'.repeat(32));
  s.advance(60_000);
  assert.is(await s.raw('eth_getBlockByNumber', ['0x50', false]), first);
  assert.is(s.upstream.count('eth_getBlockByNumber'), 1);
  assert.equal(results(s.lookups), ['miss', 'hit']);
});

test('a final-tier answer expires after finalizedTtlMs', async () => {
  const s = setup();
  const first = await s.raw('eth_getBlockByNumber', ['0x50', false]);
  s.advance(3_600_001);
  assert.is.not(await s.raw('eth_getBlockByNumber', ['0x50', false]), first);
});

test('static answers are kept forever, whatever the head does', async () => {
  const s = setup();
  const first = await s.raw('eth_chainId');
  s.upstream.move(999, hashOf(12345), 900);
  s.advance(365 * 24 * 3_600_000);
  assert.is(await s.raw('eth_chainId'), first);
  assert.is(s.upstream.count('eth_chainId'), 1);
});

test('a thrown upstream error reaches every coalesced waiter and is not cached', async () => {
  const s = setup();
  s.upstream.answer = () => new UpstreamUnavailableError('No node of l2 could answer');
  s.upstream.hold();
  const pending = Array.from({ length: 5 }, () => s.call('eth_getBalance', [A, '0x10']).then(() => 'resolved', (e: unknown) => e));
  s.upstream.release();
  const outcomes = await Promise.all(pending);
  assert.ok(outcomes.every((e) => e instanceof UpstreamUnavailableError));
  assert.is(s.upstream.count('eth_getBalance'), 1);
  s.upstream.answer = () => ok('0x1');
  assert.is(await s.raw('eth_getBalance', [A, '0x10']), '"0x1"');
  assert.is(s.upstream.count('eth_getBalance'), 2);
});

test('a JSON-RPC error answer is shared in flight but never cached', async () => {
  const s = setup();
  s.upstream.answer = () => ({ kind: 'error', error: { code: 3, message: 'execution reverted' } });
  const [a, b] = await Promise.all([s.call('eth_call', [{ to: A }, '0x10']), s.call('eth_call', [{ to: A }, '0x10'])]);
  assert.is(a!.kind, 'error');
  assert.equal(a, b);
  assert.is(s.upstream.count('eth_call'), 1);
  await s.call('eth_call', [{ to: A }, '0x10']);
  assert.is(s.upstream.count('eth_call'), 2);
});

test('writes are never coalesced nor cached', async () => {
  const s = setup();
  s.upstream.hold();
  const pending = Array.from({ length: 3 }, () => s.call('eth_sendRawTransaction', ['0x02f8']));
  s.upstream.release();
  await Promise.all(pending);
  await s.call('eth_sendRawTransaction', ['0x02f8']);
  assert.is(s.upstream.count('eth_sendRawTransaction'), 4);
  assert.ok(results(s.lookups).every((r) => r === 'bypass'));
});

test('uncacheable reads (pending) share a flight but are never stored', async () => {
  const s = setup();
  s.upstream.hold();
  const pending = Array.from({ length: 3 }, () => s.raw('eth_getTransactionCount', [A, 'pending']));
  s.upstream.release();
  await Promise.all(pending);
  assert.is(s.upstream.count('eth_getTransactionCount'), 1);
  await s.raw('eth_getTransactionCount', [A, 'pending']);
  assert.is(s.upstream.count('eth_getTransactionCount'), 2);
  assert.equal(results(s.lookups), ['bypass', 'coalesced', 'coalesced', 'bypass']);
});

test('a receipt not found yet is asked again; once in a final block it is cached', async () => {
  const s = setup();
  let mined = false;
  s.upstream.answer = () => ok(mined ? { transactionHash: TX, blockNumber: '0x20', status: '0x1' } : null);
  assert.is(await s.raw('eth_getTransactionReceipt', [TX]), 'null');
  assert.is(await s.raw('eth_getTransactionReceipt', [TX]), 'null');
  assert.is(s.upstream.count('eth_getTransactionReceipt'), 2);
  mined = true;
  await s.raw('eth_getTransactionReceipt', [TX]);
  s.upstream.move(300, hashOf(300), 150);
  await s.raw('eth_getTransactionReceipt', [TX]);
  assert.is(s.upstream.count('eth_getTransactionReceipt'), 3);
});

test('finality is judged as of the call start: a block finalized mid-flight is stored head-keyed only', async () => {
  const s = setup();
  s.upstream.move(200, hashOf(200), 99);
  s.upstream.hold();
  const pending = s.raw('eth_getBlockByNumber', ['0x64', false]);
  s.upstream.move(200, hashOf(200), 100);
  s.upstream.release();
  const first = await pending;
  assert.is(await s.raw('eth_getBlockByNumber', ['0x64', false]), first, 'served at the same head');
  s.upstream.move(201);
  assert.is.not(await s.raw('eth_getBlockByNumber', ['0x64', false]), first, 'not kept as final');
});

test('a call made after the head moved does not join a flight started at the old head', async () => {
  const s = setup();
  s.upstream.hold();
  const old = s.raw('eth_blockNumber');
  s.upstream.move(201);
  const fresh = s.raw('eth_blockNumber');
  s.upstream.release();
  assert.is.not(await fresh, await old);
  assert.is(s.upstream.count('eth_blockNumber'), 2);
});

test('a call for a final block joins an in-flight one even across a head change', async () => {
  const s = setup();
  s.upstream.hold();
  const a = s.raw('eth_getBlockByNumber', ['0x10', false]);
  s.upstream.move(201);
  const b = s.raw('eth_getBlockByNumber', ['0x10', false]);
  s.upstream.release();
  assert.is(await a, await b);
  assert.is(s.upstream.count('eth_getBlockByNumber'), 1);
});

test('with no head known, head-tier calls are not stored but still share a flight', async () => {
  const s = setup();
  s.upstream.current = undefined;
  s.upstream.hold();
  const pending = [s.raw('eth_blockNumber'), s.raw('eth_blockNumber')];
  s.upstream.release();
  await Promise.all(pending);
  await s.raw('eth_blockNumber');
  assert.is(s.upstream.count('eth_blockNumber'), 2);
  assert.equal(results(s.lookups), ['bypass', 'coalesced', 'bypass']);
});

test('with no head known, nothing non-final is stored and final entries are still served', async () => {
  const s = setup();
  const final = await s.raw('eth_getBlockByNumber', ['0x10', false]);
  s.upstream.current = undefined;
  assert.is(await s.raw('eth_getBlockByNumber', ['0x10', false]), final);
  await s.raw('eth_getBlockByNumber', ['0x12c', false]);
  await s.raw('eth_getBlockByNumber', ['0x12c', false]);
  assert.is(s.upstream.count('eth_getBlockByNumber'), 3);
});

test('a head view that throws degrades to uncached head-tier calls instead of failing them', async () => {
  const s = setup();
  s.upstream.head = () => {
    throw new Error('tracker broke');
  };
  await s.raw('eth_blockNumber');
  await s.raw('eth_blockNumber');
  assert.is(s.upstream.count('eth_blockNumber'), 2);
});

test('with the cache disabled every call goes upstream', async () => {
  const s = setup({ cache: false });
  s.upstream.hold();
  const pending = Array.from({ length: 3 }, () => s.raw('eth_chainId'));
  s.upstream.release();
  await Promise.all(pending);
  await s.raw('eth_chainId');
  assert.is(s.upstream.count('eth_chainId'), 4);
  assert.ok(results(s.lookups).every((r) => r === 'bypass'));
});

test('one cache shared by two networks never answers one with the other', async () => {
  const shared = new ResponseCache({ maxEntries: 100, maxBytes: 100_000 });
  const l1 = setup({ shared, network: 'l1' });
  const l2 = setup({ shared, network: 'l2' });
  l1.upstream.answer = () => ok('0x1');
  l2.upstream.answer = () => ok('0xa4b1');
  assert.is(await l1.raw('eth_chainId'), '"0x1"');
  assert.is(await l2.raw('eth_chainId'), '"0xa4b1"');
  assert.is(await l1.raw('eth_chainId'), '"0x1"');
});

test('cache lookup events name the method and tier and never the params', async () => {
  const s = setup();
  await s.raw('eth_getBalance', [A, 'latest']);
  const e = s.lookups[0]!;
  assert.equal({ network: e.network, method: e.method, result: e.result, tier: e.tier, requestId: e.requestId }, {
    network: 'l2',
    method: 'eth_getBalance',
    result: 'miss',
    tier: 'head',
    requestId: 'r1',
  });
  assert.not.ok(JSON.stringify(s.lookups).includes(A.slice(2)));
});

test.run();
