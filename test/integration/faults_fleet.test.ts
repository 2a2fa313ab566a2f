// The fault matrix, load side: 100 orchestrators replaying go-livepeer's traffic against one node with Arbitrum's
// 250 ms blocks, through a round-start burst (every orchestrator walks the transcoder pool and sends its reward
// transaction within one poll interval). Before the resilience work, the lone node's breaker opened at the
// burst in 2 runs of 5 and members got dozens of refusals: a moment in which every call in flight failed opened it.
// Here the node has such a blip in the middle of the burst (for 200 ms it resets every member call): no call may
// fail, and every reward is mined once.
// (The poll interval is scaled down from go-livepeer's 5 s so the run stays short; `npm run bench:fleet` runs it at scale.)
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { fleetAccounts, runFleet } from '../helpers/fleet.ts';
import { startServedGateway, type ServedGateway } from '../helpers/gatewayProcess.ts';

let served: ServedGateway;

test.before(async () => {
  served = await startServedGateway({ schema: 'test_fleet', front: true, l2: { blockTime: 0.25 }, env: { LOG_LEVEL: 'warn' } });
});

test.after(async () => {
  await served?.stop();
});

test('100 orchestrators, a lone node with 250 ms blocks, a blip in the round-start burst: no call fails, every reward mined once', async () => {
  const { gw, key, l2 } = served;
  const counted = served.front!;
  const accounts = fleetAccounts(100);
  for (const a of accounts) await l2.rpc('anvil_setBalance', [a.address, '0x56bc75e2d63100000']); // 100 ETH each
  const before = counted.received.length;
  const result = await runFleet({
    url: `${gw.base}/api/${key}/l2`,
    accounts,
    chainId: 42161,
    poolSize: 20,
    pollMs: 1000,
    roundStartMs: 1500,
    tailMs: 1000,
    receiptPollMs: 250,
    txTimeoutMs: 30_000,
    onRoundStart: () => setTimeout(() => counted.misbehave({ membersOnly: true, forMs: 200, act: { kind: 'reset' } }), 500),
  });
  const failed = result.calls.filter((c) => c.error);
  const nodeCalls = counted.received.length - before;
  const burst = result.calls.filter((c) => c.phase === 'round');
  burst.sort((a, b) => a.ms - b.ms);
  console.log(
    `fleet: ${result.calls.length} calls in ${(result.wallMs / 1000).toFixed(1)} s (${burst.length} in the round-start burst, p99 ${burst[Math.floor(burst.length * 0.99)]?.ms.toFixed(0)} ms),` +
      ` ${nodeCalls} reached the node (${((1 - nodeCalls / result.calls.length) * 100).toFixed(0)} % offloaded), ${failed.length} failed, ${result.mined} rewards mined`,
  );
  assert.equal(failed.slice(0, 10).map((c) => `${c.method}: ${c.error}`), [], `${failed.length} calls failed`);
  assert.is(result.mined, 100, 'every reward transaction mined');
  const sends = counted.received.filter((r) => r.method === 'eth_sendRawTransaction').length;
  assert.ok(sends >= 100, `every reward reached the node: ${sends} sends (one reset in the blip is sent again)`);
  assert.not.match(gw.output(), /"msg":"upstream exhausted"/, 'no call was refused');
});

test.run();
