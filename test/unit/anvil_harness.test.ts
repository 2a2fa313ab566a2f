import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { startAnvil } from '../helpers/anvil.ts';

test('anvil harness starts a node on loopback with the chain id asked for', async () => {
  const a = await startAnvil({ chainId: 42161 });
  try {
    assert.is(await a.rpc('eth_chainId'), '0xa4b1');
    assert.match(a.url, /^http:\/\/127\.0\.0\.1:\d+$/);
  } finally {
    await a.kill();
  }
});

test('pause resolves with the node stopped: a request then gets no answer until resume', async () => {
  const a = await startAnvil({ chainId: 1001 });
  try {
    for (let i = 0; i < 20; i++) {
      await a.pause();
      const answer = fetch(a.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{"jsonrpc":"2.0","id":1,"method":"eth_chainId","params":[]}',
      }).then(async (r) => ((await r.json()) as { result: string }).result);
      const early = await Promise.race([answer, new Promise((r) => setTimeout(() => r('none'), 30))]);
      assert.is(early, 'none', `round ${i}: a paused node answered`);
      a.resume();
      assert.is(await answer, '0x3e9');
    }
  } finally {
    a.resume();
    await a.kill();
  }
});

test.run();
