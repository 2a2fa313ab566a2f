// The fault matrix, sends: go-livepeer's reward transaction reaches the node, which mines it, and the reply is
// lost on the way back. The member must get the hash (go-livepeer then polls the receipt), mined once.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { keccak256 } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { TEST_PRIVATE_KEYS } from '../helpers/anvil.ts';
import { faultGateway, series } from './faults_support.ts';

test('a send whose reply is lost after the node took it: the member gets the hash, mined once; the operator sees the ambiguous answer', async () => {
  const tg = await faultGateway({ l2Nodes: 1 });
  try {
    const account = privateKeyToAccount(TEST_PRIVATE_KEYS[1]);
    const raw = await account.signTransaction({
      chainId: 42161,
      nonce: 0,
      to: `0x${'33'.repeat(20)}`,
      value: 1n,
      gas: 21_000n,
      maxFeePerGas: 10_000_000_000n,
      maxPriorityFeePerGas: 1n,
      type: 'eip1559',
    });
    tg.fronts[0]!.misbehave({ method: 'eth_sendRawTransaction', times: 1, act: { kind: 'lostReply' } });
    const r = await tg.rpc('eth_sendRawTransaction', [raw]);
    assert.equal([r.result, r.error], [keccak256(raw), undefined]);
    const receipt = await tg.rpc('eth_getTransactionReceipt', [keccak256(raw)]);
    assert.is((receipt.result as { status?: string } | null)?.status, '0x1', 'mined');
    assert.is(await tg.l2[0]!.rpc('eth_getTransactionCount', [account.address, 'latest']), '0x1', 'once');
    assert.ok(tg.logs().some((l) => l.msg === 'transaction send' && l.answer === 'ambiguous' && l.tx_hash === keccak256(raw)));
    assert.ok(series(await tg.metrics(), 'gateway_transaction_sends_total', { answer: 'ambiguous' }) >= 1);
    assert.ok(series(await tg.metrics(), 'gateway_requests_total', { method: 'eth_sendRawTransaction', kind: 'write', outcome: 'ok' }) >= 1);
  } finally {
    await tg.stop();
  }
});

test.run();
