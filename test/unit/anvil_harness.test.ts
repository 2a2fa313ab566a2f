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

test.run();
