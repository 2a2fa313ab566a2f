// Answers shared across head changes (cache/cachingCaller.ts, "recent"): `latest` answers within
// CACHE_LATEST_MAX_AGE_MS and monotonic per member, explicit blocks every node has within CACHE_HEAD_TTL_MS,
// and none of them after a reorg. Arbitrum's head moves every 250 ms, so without this every head change refetched
// what a hundred orchestrators had just read.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { CachingCaller, type HeadView, type Upstream } from '../../gateway/src/cache/cachingCaller.ts';
import { ResponseCache } from '../../gateway/src/cache/store.ts';
import { EventBus, type EventOf } from '../../gateway/src/events.ts';
import type { CallOutcome } from '../../gateway/src/rpc/types.ts';

const hashOf = (n: number) => `0x${n.toString(16).padStart(64, '0')}`;
const hex = (n: number) => `0x${n.toString(16)}`;
const ok = (value: unknown): CallOutcome => ({ kind: 'result', raw: JSON.stringify(value), value });
const CALL = [{ to: `0x${'35'.repeat(20)}`, data: '0x70a08231' }, 'latest'];
const LOGS = (from: number, to: number) => [{ fromBlock: hex(from), toBlock: hex(to), topics: [[hashOf(1)]] }];

/** Our own Upstream, in-test: a chain whose head we move; each answer names the call's sequence number. */
class Chain implements Upstream {
  calls: string[] = [];
  current: HeadView = { number: 200, hash: hashOf(200), finalized: 100, safe: 200 };
  /** The block receipts say their transaction was mined in. */
  mined = 200;
  /** The head of the node that answers, when it is not the tracked one. */
  answerAt: number | undefined;
  private gate: Promise<void> | undefined;
  private open: (() => void) | undefined;
  private next: Promise<void> | undefined;

  async call(method: string, params: unknown): Promise<CallOutcome> {
    this.calls.push(method);
    const n = this.calls.length;
    const head = this.answerAt ?? this.current.number; // what the node reads at: the head when the call arrived
    const once = this.next;
    this.next = undefined;
    if (once) await once;
    if (this.gate) await this.gate;
    if (method === 'eth_getBlockByNumber') return ok({ number: hex(head), hash: hashOf(head) });
    if (method === 'eth_blockNumber') return ok(hex(head));
    if (method === 'eth_getLogs') return ok([]);
    if (method === 'eth_getTransactionReceipt') return ok({ transactionHash: (params as string[])[0], blockNumber: hex(this.mined), blockHash: hashOf(this.mined), status: '0x1' });
    void params;
    return ok(`${method}#${n}@${head}`);
  }
  head(): HeadView {
    return this.current;
  }
  move(number: number, safe = number): void {
    this.current = { ...this.current, number, hash: hashOf(number), safe };
  }
  hold(): void {
    this.gate = new Promise((r) => (this.open = r));
  }
  /** Holds the next call only, until the returned function is called. */
  holdNext(): () => void {
    let open!: () => void;
    this.next = new Promise((r) => (open = r));
    return open;
  }
  release(): void {
    this.open?.();
    this.gate = undefined;
  }
}

function setup(latestMaxAgeMs = 1000) {
  let t = 1_000;
  const chain = new Chain();
  const cache = new ResponseCache({ maxEntries: 1000, maxBytes: 1_000_000, now: () => t });
  const bus = new EventBus();
  const lookups: Array<EventOf<'cache.lookup'>> = [];
  bus.on('cache.lookup', (e) => lookups.push(e));
  const caller = new CachingCaller('l2', chain, cache, { headTtlMs: 2000, latestMaxAgeMs, finalizedTtlMs: 3_600_000 }, bus);
  let id = 0;
  const call = async (member: string | undefined, method: string, params: unknown[] = []) => {
    const o = await caller.call(method, params, member === undefined ? { requestId: `r${++id}` } : { requestId: `r${++id}`, member });
    assert.is(o.kind, 'result');
    return o.kind === 'result' ? (JSON.parse(o.raw) as unknown) : undefined;
  };
  return { chain, caller, call, lookups, advance: (ms: number) => (t += ms) };
}

test('a latest answer is shared across head changes for CACHE_LATEST_MAX_AGE_MS, then read again', async () => {
  const { chain, call, advance } = setup(1000);
  assert.is(await call('a', 'eth_call', CALL), 'eth_call#1@200');
  chain.move(201);
  advance(250);
  chain.move(202);
  advance(250);
  assert.is(await call('b', 'eth_call', CALL), 'eth_call#1@200', 'two heads later, within 1 s: the same answer');
  assert.is(chain.calls.length, 1);
  advance(501); // 1001 ms after it was read
  assert.is(await call('b', 'eth_call', CALL), 'eth_call#2@202', 'past the bound: read again');
});

test('a latest answer read more than CACHE_LATEST_MAX_BLOCKS below the tracked head is read again', async () => {
  const { chain, call } = setup(1000);
  assert.is(await call('a', 'eth_blockNumber'), hex(200));
  chain.move(208);
  assert.is(await call('b', 'eth_blockNumber'), hex(200), '8 blocks behind: still shared');
  chain.move(209);
  assert.is(await call('b', 'eth_blockNumber'), hex(209), '9 behind (a node caught up, a burst of blocks): read again');
});

test('without CACHE_LATEST_MAX_AGE_MS a latest answer lives only as long as its head', async () => {
  const { chain, call } = setup(0);
  assert.is(await call('a', 'eth_call', CALL), 'eth_call#1@200');
  assert.is(await call('a', 'eth_call', CALL), 'eth_call#1@200');
  chain.move(201);
  assert.is(await call('a', 'eth_call', CALL), 'eth_call#2@201');
});

test('reads are monotonic per member: one who has been shown a newer block never gets an answer read below it', async () => {
  const { chain, call } = setup(1000);
  assert.is(await call('a', 'eth_call', CALL), 'eth_call#1@200'); // read at 200
  chain.move(205);
  // b sees block 205 (a block read reveals its height) ...
  assert.equal(await call('b', 'eth_getBlockByNumber', ['latest', false]), { number: hex(205), hash: hashOf(205) });
  // ... so the answer read at 200 is not served to b: b's call reads again, at 205.
  assert.is(await call('b', 'eth_call', CALL), 'eth_call#3@205');
  // a (shown 200) and c (shown nothing) get the newer answer now: never older than what they saw.
  assert.is(await call('a', 'eth_call', CALL), 'eth_call#3@205');
  assert.is(await call('c', 'eth_call', CALL), 'eth_call#3@205');
  assert.is(chain.calls.length, 3);
});

test('a member who has seen a block the tracker has not yet does not join a flight started below it', async () => {
  const { chain, call, caller } = setup(1000);
  // b reads the node's own block number: 203, while the tracker still says 200.
  chain.current = { ...chain.current, number: 203 };
  assert.is(await call('b', 'eth_blockNumber'), hex(203));
  chain.current = { ...chain.current, number: 200 };
  chain.hold();
  const forA = caller.call('eth_call', CALL, { requestId: 'x1', member: 'a' });
  const forB = caller.call('eth_call', CALL, { requestId: 'x2', member: 'b' });
  chain.release();
  await Promise.all([forA, forB]);
  assert.is(chain.calls.filter((m) => m === 'eth_call').length, 2, 'b read at 203 on its own flight, a at 200');
});

test('an answer read at an older height never replaces a newer one that finished first', async () => {
  const { chain, call, caller } = setup(1000);
  const releaseSlow = chain.holdNext();
  const slow = caller.call('eth_call', CALL, { requestId: 's', member: 'a' }); // read at 200, held
  chain.move(204);
  // A member at 204 reads on its own flight and stores first ...
  assert.equal(await call('b', 'eth_getBlockByNumber', ['latest', false]), { number: hex(204), hash: hashOf(204) });
  const fresh = await call('b', 'eth_call', CALL);
  assert.is(fresh, 'eth_call#3@204');
  // ... then the slow one finishes: the stored answer stays the newer one.
  releaseSlow();
  await slow;
  assert.is(await call('b', 'eth_call', CALL), fresh);
  assert.is(chain.calls.length, 3);
});

test('after a reorg no answer read before it is served', async () => {
  const { chain, call, caller } = setup(1000);
  assert.is(await call('a', 'eth_call', CALL), 'eth_call#1@200');
  await call('a', 'eth_getLogs', LOGS(150, 190));
  caller.reorged();
  assert.is(await call('a', 'eth_call', CALL), 'eth_call#3@200');
  await call('a', 'eth_getLogs', LOGS(150, 190));
  assert.is(chain.calls.length, 4, 'the latest answer and the range were both read again');
});

test('a block range every node in rotation has is shared across head changes; one some node may lack is not', async () => {
  const { chain, call, advance } = setup(1000);
  await call('a', 'eth_getLogs', LOGS(195, 200)); // 200 <= safe (200)
  chain.move(201);
  advance(250);
  await call('b', 'eth_getLogs', LOGS(195, 200));
  assert.is(chain.calls.length, 1, 'the same range, one head later: shared');
  advance(1751); // CACHE_HEAD_TTL_MS after it was read
  await call('b', 'eth_getLogs', LOGS(195, 200));
  assert.is(chain.calls.length, 2, 'past the reorg bound: read again');

  chain.move(210, 208); // one node in rotation is at 208
  await call('a', 'eth_getLogs', LOGS(205, 210));
  chain.move(211, 209);
  await call('b', 'eth_getLogs', LOGS(205, 210));
  assert.is(chain.calls.length, 4, 'block 210 was above what every node had: keyed to its head, read again');
});

test('a call in flight when a reorg is seen is not shared with calls made after it', async () => {
  const { chain, caller } = setup(1000);
  const release = chain.holdNext();
  const before = caller.call('eth_call', CALL, { requestId: 'p', member: 'a' });
  caller.reorged();
  const after = caller.call('eth_call', CALL, { requestId: 'q', member: 'b' });
  release();
  await Promise.all([before, after]);
  assert.is(chain.calls.length, 2, 'the call after the reorg read on its own');
});

test('a receipt served from the head-keyed store raises the member\'s height like a fresh one', async () => {
  const { chain, call } = setup(1000);
  const TXH = hashOf(0xabc);
  assert.is(await call('c', 'eth_call', CALL), 'eth_call#1@200'); // read at 200
  chain.mined = 201; // mined in a block the tracker has not seen yet
  await call('a', 'eth_getTransactionReceipt', [TXH]); // fetched, stored under the head key
  await call('b', 'eth_getTransactionReceipt', [TXH]); // b gets it from the cache: b has seen block 201
  assert.is(chain.calls.length, 2);
  assert.not.equal(await call('b', 'eth_call', CALL), 'eth_call#1@200', 'b is not served state from before its receipt');
});

test('a latest answer that shows its block is tagged with that block, not the tracked head: a node behind may have answered', async () => {
  const { chain, call } = setup(1000);
  chain.move(210, 205);
  chain.answerAt = 205; // the node in rotation that answers is at 205
  assert.is(await call('a', 'eth_blockNumber'), hex(205));
  chain.answerAt = undefined;
  // b has been shown block 207
  chain.current = { ...chain.current, number: 207 };
  chain.answerAt = 207;
  assert.is(await call('b', 'eth_getBlockByNumber', ['latest', false]) !== undefined, true);
  chain.answerAt = undefined;
  chain.current = { ...chain.current, number: 210 };
  assert.is(await call('b', 'eth_blockNumber'), hex(210), 'the answer showing 205 is not served to b, who has seen 207');
});

test.run();
