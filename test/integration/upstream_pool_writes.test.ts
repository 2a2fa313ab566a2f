// eth_sendRawTransaction must never be sent twice when the first node may have it: it moves to the
// next node only when the first certainly never saw it (connection refused).
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { privateKeyToAccount } from 'viem/accounts';
import { startAnvil, TEST_PRIVATE_KEYS } from '../helpers/anvil.ts';
import { startFakeNode } from '../helpers/fakeNode.ts';
import { fastUpstream, networkConfig, recorder } from '../helpers/poolFixture.ts';
import { NodePool } from '../../gateway/src/upstream/pool.ts';
import { UpstreamUnavailableError } from '../../gateway/src/rpc/errors.ts';

async function signedTransfer(chainId: number): Promise<string> {
  const account = privateKeyToAccount(TEST_PRIVATE_KEYS[0]);
  return account.signTransaction({
    chainId,
    nonce: 0,
    to: `0x${'22'.repeat(20)}`,
    value: 1n,
    gas: 21_000n,
    maxFeePerGas: 10_000_000_000n,
    maxPriorityFeePerGas: 1n,
    type: 'eip1559',
  } as const);
}

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

test('a write that timed out on the primary is not sent to another node, and the member is told it may have gone through', async () => {
  const b = await startAnvil({ chainId: 1002 });
  const fake = await startFakeNode(b.url);
  const rec = recorder();
  const pool = new NodePool(networkConfig([['fake', fake.url], ['b', b.url]]), fastUpstream(), rec.bus);
  try {
    fake.misbehave({ method: 'eth_sendRawTransaction', act: { kind: 'hang' } });
    const raw = await signedTransfer(1002);
    const err = await pool.call('eth_sendRawTransaction', [raw], { requestId: 'w' }).catch((e: unknown) => e);
    assert.instance(err, UpstreamUnavailableError);
    assert.match((err as Error).message, 'may have been sent');
    assert.equal(rec.attempts('w').map((e) => [e.node, e.outcome]), [['fake', 'timeout']]);
    assert.is(rec.of('upstream.exhausted')[0]?.attempts, 1);
    // the secondary never saw it: the sender's nonce is untouched there
    assert.is(await b.rpc('eth_getTransactionCount', [privateKeyToAccount(TEST_PRIVATE_KEYS[0]).address, 'latest']), '0x0');
  } finally {
    await pool.stop();
    await fake.close();
    await b.kill();
  }
});

test('a write refused at connect goes to the next node, which mines it', async () => {
  const b = await startAnvil({ chainId: 1002 });
  const rec = recorder();
  const pool = new NodePool(networkConfig([['dead', `http://127.0.0.1:${await freePort()}`], ['b', b.url]]), fastUpstream(), rec.bus);
  try {
    const raw = await signedTransfer(1002);
    const out = await pool.call('eth_sendRawTransaction', [raw], { requestId: 'w' });
    assert.is(out.kind, 'result');
    const hash = out.kind === 'result' ? (out.value as string) : '';
    assert.match(hash, /^0x[0-9a-f]{64}$/);
    assert.equal(rec.attempts('w').map((e) => [e.node, e.outcome]), [
      ['dead', 'connect'],
      ['b', 'ok'],
    ]);
    // Anvil may answer the send before its automined block has the receipt: wait for it, bounded
    let receipt: { status: string } | null = null;
    for (let i = 0; i < 100 && !receipt; i++) {
      receipt = await b.rpc<{ status: string } | null>('eth_getTransactionReceipt', [hash]);
      if (!receipt) await new Promise((r) => setTimeout(r, 20));
    }
    assert.is(receipt?.status, '0x1');
  } finally {
    await pool.stop();
    await b.kill();
  }
});

test('a write rejected by the node (nonce too low) is returned as it is', async () => {
  const b = await startAnvil({ chainId: 1002 });
  const rec = recorder();
  const c = await startAnvil({ chainId: 1002 });
  const pool = new NodePool(networkConfig([['b', b.url], ['c', c.url]]), fastUpstream(), rec.bus);
  try {
    const raw = await signedTransfer(1002);
    await b.rpc('eth_sendRawTransaction', [raw]);
    const out = await pool.call('eth_sendRawTransaction', [raw], { requestId: 'again' });
    assert.is(out.kind, 'error');
    assert.equal(rec.attempts('again').map((e) => [e.node, e.outcome]), [['b', 'rpc_error']]);
  } finally {
    await pool.stop();
    await Promise.all([b.kill(), c.kill()]);
  }
});

test.run();
