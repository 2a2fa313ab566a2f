// eth_sendRawTransaction is idempotent by its hash: an ambiguous failure sends the same bytes to the next node,
// a node that already has the transaction counts as accepting it, and "nonce too low" is success only when a
// node finds the transaction by hash. Each node answer, against real Anvil nodes (fake fronts inject faults).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { privateKeyToAccount } from 'viem/accounts';
import { startAnvil, TEST_PRIVATE_KEYS, type Anvil } from '../helpers/anvil.ts';
import { startFakeNode, type FakeNode, type Misbehaviour } from '../helpers/fakeNode.ts';
import { waitFor } from '../helpers/gateway.ts';
import { freePort } from '../helpers/gatewayProcess.ts';
import { fastUpstream, networkConfig, recorder, type Recorder } from '../helpers/poolFixture.ts';
import { NodePool } from '../../gateway/src/upstream/pool.ts';
import { transactionHash } from '../../gateway/src/upstream/send.ts';
import { UpstreamUnavailableError } from '../../gateway/src/rpc/errors.ts';

const SENDER = privateKeyToAccount(TEST_PRIVATE_KEYS[0]);

async function signedTransfer(value = 1n, nonce = 0): Promise<`0x${string}`> {
  return SENDER.signTransaction({
    chainId: 1002,
    nonce,
    to: `0x${'22'.repeat(20)}`,
    value,
    gas: 21_000n,
    maxFeePerGas: 10_000_000_000n,
    maxPriorityFeePerGas: 1n,
    type: 'eip1559',
  } as const);
}

interface Setup {
  anvil: Anvil;
  /** Two fronts to ONE chain: the pool's two nodes, as two providers of the same network would be. */
  a: FakeNode;
  b: FakeNode;
  rec: Recorder;
  pool: NodePool;
  stop(): Promise<void>;
}

async function setup(): Promise<Setup> {
  const anvil = await startAnvil({ chainId: 1002 });
  const [a, b] = await Promise.all([startFakeNode(anvil.url), startFakeNode(anvil.url)]);
  const rec = recorder();
  const pool = new NodePool(networkConfig([['a', a.url], ['b', b.url]]), fastUpstream(), rec.bus);
  return {
    anvil,
    a,
    b,
    rec,
    pool,
    async stop() {
      await pool.stop();
      await Promise.all([a.close(), b.close()]);
      await anvil.kill();
    },
  };
}

const send = (s: Setup, raw: string, id = 'w') => s.pool.call('eth_sendRawTransaction', [raw], { requestId: id }).catch((e: unknown) => e);
/** The sender's mined transactions, once the transaction is mined (Anvil may answer a send before its block). */
async function sentCount(s: Setup, hash?: string): Promise<string> {
  for (let i = 0; hash && i < 100; i++) {
    if (await s.anvil.rpc('eth_getTransactionReceipt', [hash])) break;
    await new Promise((r) => setTimeout(r, 20));
  }
  return s.anvil.rpc<string>('eth_getTransactionCount', [SENDER.address, 'latest']);
}
const answers = (s: Setup, id = 'w') => s.rec.of('upstream.send').filter((e) => e.requestId === id).map((e) => [e.node, e.answer]);

test('the hash is keccak256 of the signed bytes, as the node computes it', async () => {
  const s = await setup();
  try {
    const raw = await signedTransfer();
    const out = await send(s, raw);
    assert.equal(out, { kind: 'result', raw: JSON.stringify(transactionHash(raw)), value: transactionHash(raw) });
    assert.equal(answers(s), [['a', 'accepted']]);
  } finally {
    await s.stop();
  }
});

test('the reply is lost after the node took it: the same bytes go to the next node, the member gets the hash, mined once', async () => {
  const s = await setup();
  try {
    s.a.misbehave({ method: 'eth_sendRawTransaction', act: { kind: 'lostReply' } });
    const raw = await signedTransfer();
    const out = await send(s, raw);
    assert.equal(out, { kind: 'result', raw: JSON.stringify(transactionHash(raw)), value: transactionHash(raw) });
    assert.is(answers(s)[0]?.[1], 'ambiguous');
    assert.ok(['known', 'nonce_too_low'].includes(String(answers(s)[1]?.[1])), JSON.stringify(answers(s)));
    assert.is(await sentCount(s, transactionHash(raw)), '0x1', 'mined once');
  } finally {
    await s.stop();
  }
});

test('a timeout after the bytes left: the next node takes them, the member gets the hash', async () => {
  const s = await setup();
  try {
    s.a.misbehave({ method: 'eth_sendRawTransaction', act: { kind: 'hang' } });
    const raw = await signedTransfer();
    const out = await send(s, raw);
    assert.is(out && (out as { value?: unknown }).value, transactionHash(raw));
    assert.equal(answers(s), [['a', 'ambiguous'], ['b', 'accepted']]);
    assert.is(await sentCount(s, transactionHash(raw)), '0x1');
  } finally {
    await s.stop();
  }
});

const KNOWN_ANSWERS: Array<[string, Misbehaviour]> = [
  ['"already known" (geth)', { kind: 'rpcError', code: -32000, message: 'already known' }],
  ['"known transaction: <hash>" (older clients)', { kind: 'rpcError', code: -32000, message: 'known transaction: 0xabc' }],
  ['"AlreadyKnown" (nethermind)', { kind: 'rpcError', code: -32010, message: 'AlreadyKnown' }],
  ['"transaction already imported"', { kind: 'rpcError', code: -32000, message: 'Transaction already imported' }],
];
for (const [what, act] of KNOWN_ANSWERS) {
  test(`a node answering ${what}: the send succeeded, the member gets the hash`, async () => {
    const s = await setup();
    try {
      s.a.misbehave({ method: 'eth_sendRawTransaction', act });
      const raw = await signedTransfer();
      const out = await send(s, raw);
      assert.is((out as { value?: unknown }).value, transactionHash(raw));
      assert.equal(answers(s), [['a', 'known']]);
    } finally {
      await s.stop();
    }
  });
}

test('"nonce too low" while a node finds the transaction by hash: success, with the hash', async () => {
  const s = await setup();
  try {
    const raw = await signedTransfer();
    await s.anvil.rpc('eth_sendRawTransaction', [raw]); // it is already mined
    const out = await send(s, raw);
    assert.is((out as { value?: unknown }).value, transactionHash(raw));
    assert.equal(answers(s), [['a', 'nonce_too_low']]);
    assert.ok(s.rec.attempts('w').some((e) => e.method === 'eth_getTransactionByHash' && e.outcome === 'ok'));
  } finally {
    await s.stop();
  }
});

test('"nonce too low" and no node has this transaction (another one took the nonce): the error, as it is', async () => {
  const s = await setup();
  try {
    const other = await s.anvil.rpc<string>('eth_sendRawTransaction', [await signedTransfer(2n)]); // the same nonce, other bytes
    // Mined before ours arrives (Anvil may answer a send before its block exists): "nonce too low", not "underpriced".
    await waitFor(async () => (await s.anvil.rpc('eth_getTransactionReceipt', [other])) !== null, 5000, 'the other transaction mined');
    const out = await send(s, await signedTransfer(1n));
    assert.is((out as { kind?: unknown }).kind, 'error');
    assert.match(JSON.stringify(out), /nonce too low/i);
  } finally {
    await s.stop();
  }
});

test('a deterministic refusal (insufficient funds) is returned at once, from one node', async () => {
  const s = await setup();
  try {
    const out = await send(s, await signedTransfer(10n ** 30n));
    assert.is((out as { kind?: unknown }).kind, 'error');
    assert.equal(answers(s), [['a', 'refused']]);
  } finally {
    await s.stop();
  }
});

test('a busy node (-32005) or one refusing the connection: the next node takes it', async () => {
  const s = await setup();
  try {
    s.a.misbehave({ method: 'eth_sendRawTransaction', times: 1, act: { kind: 'rpcError', code: -32005, message: 'limit exceeded' } });
    const raw = await signedTransfer();
    assert.is(((await send(s, raw)) as { value?: unknown }).value, transactionHash(raw));
    assert.equal(answers(s), [['a', 'unavailable'], ['b', 'accepted']]);
  } finally {
    await s.stop();
  }
  const anvil = await startAnvil({ chainId: 1002 });
  const rec = recorder();
  const pool = new NodePool(networkConfig([['dead', `http://127.0.0.1:${await freePort()}`], ['live', anvil.url]]), fastUpstream(), rec.bus);
  try {
    const raw = await signedTransfer();
    assert.is(((await pool.call('eth_sendRawTransaction', [raw], { requestId: 'r' })) as { value?: unknown }).value, transactionHash(raw));
    assert.equal(rec.of('upstream.send').map((e) => [e.node, e.answer]), [['dead', 'unsent'], ['live', 'accepted']]);
  } finally {
    await pool.stop();
    await anvil.kill();
  }
});

test('no node confirms and none finds it: -32002 saying it may still arrive (never an HTTP-level error)', async () => {
  const s = await setup();
  try {
    for (const f of [s.a, s.b]) f.misbehave({ method: 'eth_sendRawTransaction', act: { kind: 'hang' } });
    const err = await send(s, await signedTransfer());
    assert.instance(err, UpstreamUnavailableError);
    assert.is((err as UpstreamUnavailableError).code, -32002);
    assert.match((err as Error).message, /may still arrive/);
  } finally {
    await s.stop();
  }
});

test.run();
