// A client that keeps sending keys the gateway does not know is refused before the database look-up
// (each unknown key costs a query); members' keys that checked out keep working from the same address.
import { createServer, type Server } from 'node:http';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { generateApiKey } from '../../gateway/src/access/apiKey.ts';
import { loadConfig } from '../../gateway/src/config.ts';
import { EventBus } from '../../gateway/src/events.ts';
import type { KeyCheck } from '../../gateway/src/access/keyResolver.ts';
import { type AccessCheck } from '../../gateway/src/http/apiKey.ts';
import { createApp, requestListener } from '../../gateway/src/http/app.ts';
import { rpcEndpoint } from '../../gateway/src/http/rpcRoute.ts';
import { startTestGateway } from '../helpers/gateway.ts';

const CALL = '{"jsonrpc":"2.0","id":1,"method":"eth_chainId","params":[]}';

async function post(url: string): Promise<{ status: number; retryAfter: string | null; body: { error?: { code: number; message: string }; result?: unknown } }> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: CALL, signal: AbortSignal.timeout(10_000) });
  return { status: res.status, retryAfter: res.headers.get('retry-after'), body: (await res.json()) as never };
}

test('past the burst of unknown keys a client gets 429 -32005 with Retry-After; a member key keeps working', async () => {
  const tg = await startTestGateway({ l2Nodes: 1, l1Nodes: 1, env: { UNKNOWN_KEY_RATE_BURST: '5', UNKNOWN_KEY_RATE_PER_MINUTE: '1' } });
  try {
    assert.is((await tg.rpc('eth_chainId')).result, '0xa4b1', 'the member key checks out first');
    const unknown = () => post(`${tg.gw.url}/api/${generateApiKey().key}/l2`);
    for (let i = 0; i < 5; i++) assert.is((await unknown()).status, 401, `unknown key ${i}`);
    const limited = await unknown();
    assert.is(limited.status, 429);
    assert.is(limited.body.error?.code, -32005);
    assert.match(limited.body.error?.message ?? '', /Too many requests with unknown API keys/);
    assert.ok(Number(limited.retryAfter) >= 1, `Retry-After ${limited.retryAfter}`);
    assert.is((await tg.rpc('eth_chainId')).result, '0xa4b1', 'the member key, known valid, is never limited');
    const reasons = tg.of('access.denied').map((e) => e.reason);
    assert.equal(reasons, ['unknown_key', 'unknown_key', 'unknown_key', 'unknown_key', 'unknown_key', 'unknown_key_rate']);
  } finally {
    await tg.stop();
  }
});

test('while a client is limited, its unknown keys never reach the key store; other clients and known keys do', async () => {
  const lookups: string[] = [];
  const valid = generateApiKey().key;
  const access: AccessCheck = {
    // Our own interface, implemented in-test to count look-ups: the database behind it is not the point here.
    async resolve(key): Promise<KeyCheck> {
      lookups.push(key);
      return key === valid ? { ok: true, keyId: '1', memberAddress: '0x01' } : { ok: false, reason: 'unknown_key' };
    },
    knownValid: (key) => key === valid && lookups.includes(valid),
    touch() {},
  };
  const config = loadConfig({ PORT: '0', HOST: '127.0.0.1', UNKNOWN_KEY_RATE_BURST: '3', UNKNOWN_KEY_RATE_PER_MINUTE: '1', TRUST_PROXY: 'true', L2_UPSTREAMS: 'a=http://127.0.0.1:9', L1_UPSTREAMS: 'b=http://127.0.0.1:9' });
  const caller = { call: async () => ({ kind: 'result' as const, raw: '"0x1"', value: '0x1' }) };
  const network = { caller, status: () => [], healthyCount: () => 1, head: () => undefined };
  const bus = new EventBus();
  const rpc = rpcEndpoint({
    bus,
    access,
    networks: { l2: network },
    methods: config.methods,
    limits: config.limits,
    unknownKeys: { perMinute: config.access.unknownKeyPerMinute, burst: config.access.unknownKeyBurst },
    trustProxy: config.portal.trustProxy,
  });
  const app = createApp({ bus, routers: [], bodyLimit: () => config.limits.maxBodyBytes });
  const server: Server = createServer(requestListener(rpc, app));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  const from = (ip: string, key: string) =>
    fetch(`${base}/api/${key}/l2`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-forwarded-for': ip }, body: CALL }).then((r) => r.status);
  try {
    assert.is(await from('10.0.0.1', valid), 200);
    for (let i = 0; i < 3; i++) assert.is(await from('10.0.0.1', generateApiKey().key), 401);
    const before = lookups.length;
    for (let i = 0; i < 20; i++) assert.is(await from('10.0.0.1', generateApiKey().key), 429);
    assert.is(lookups.length, before, 'no look-up while limited');
    assert.is(await from('10.0.0.1', valid), 200, 'a known valid key from the limited address');
    assert.is(await from('10.0.0.2', generateApiKey().key), 401, 'another address has its own budget');
    assert.is(lookups.length, before + 2, 'the known key (answered from the resolver cache in the gateway) and the other address');
  } finally {
    await new Promise((r) => server.close(r));
  }
});

test.run();
