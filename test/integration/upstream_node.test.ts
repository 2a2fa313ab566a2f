// UpstreamNode against a real Anvil and a fake node on loopback: what each way of failing turns into.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { startAnvil, type Anvil } from '../helpers/anvil.ts';
import { startFakeNode, type FakeNode } from '../helpers/fakeNode.ts';
import { UpstreamNode, parseResponse } from '../../gateway/src/upstream/node.ts';
import { scrub, urlSecrets } from '../../gateway/src/upstream/secrets.ts';

const t = suite<{ anvil: Anvil; fake: FakeNode; node: UpstreamNode }>('upstream node client');

t.before(async (ctx) => {
  ctx.anvil = await startAnvil();
  ctx.fake = await startFakeNode(ctx.anvil.url);
  // The path segment plays a provider key: it must never come back in a detail or an error message.
  ctx.node = new UpstreamNode('l2', { name: 'fake', url: `${ctx.fake.url}/v2/SECRETPROVIDERKEY` });
});

t.after(async (ctx) => {
  ctx.node.close();
  await ctx.fake.close();
  await ctx.anvil.kill();
});

t.after.each((ctx) => ctx.fake.reset());

t('a result comes back as raw JSON and parsed value', async ({ node }) => {
  const r = await node.attempt('eth_chainId', [], 2000);
  assert.equal(r, { ok: true, outcome: { kind: 'result', raw: '"0x7a69"', value: '0x7a69' } });
});

t('a JSON-RPC error comes back as an answer, with the provider key scrubbed from its message', async ({ node, fake }) => {
  fake.misbehave({ method: 'eth_call', act: { kind: 'rpcError', code: -32000, message: 'bad key SECRETPROVIDERKEY for project' } });
  const r = await node.attempt('eth_call', [{}, 'latest'], 2000);
  assert.ok(r.ok && r.outcome.kind === 'error');
  if (r.ok && r.outcome.kind === 'error') {
    assert.is(r.outcome.error.code, -32000);
    assert.not.match(r.outcome.error.message, 'SECRETPROVIDERKEY');
    assert.match(r.outcome.error.message, '<redacted>');
  }
});

t('HTTP 500 and 429 are failures that reached the node', async ({ node, fake }) => {
  fake.misbehave({ times: 1, act: { kind: 'status', status: 500 } });
  assert.equal(await node.attempt('eth_chainId', [], 2000), { ok: false, failure: 'http_5xx', reached: true, detail: 'HTTP 500', httpStatus: 500 });
  fake.misbehave({ times: 1, act: { kind: 'status', status: 429 } });
  const r = await node.attempt('eth_chainId', [], 2000);
  assert.is(!r.ok && r.failure, 'http_429');
});

t('a 4xx carrying a JSON-RPC error is that error, not a transport failure', async ({ node, fake }) => {
  fake.misbehave({ times: 1, act: { kind: 'status', status: 400, body: '{"jsonrpc":"2.0","id":%ID%,"error":{"code":-32602,"message":"invalid params"}}' } });
  const r = await node.attempt('eth_chainId', [], 2000);
  assert.equal(r, { ok: true, outcome: { kind: 'error', error: { code: -32602, message: 'invalid params' } } });
  fake.misbehave({ times: 1, act: { kind: 'status', status: 403, body: 'forbidden' } });
  const plain = await node.attempt('eth_chainId', [], 2000);
  assert.equal(plain, { ok: false, failure: 'http_other', reached: true, detail: 'HTTP 403', httpStatus: 403 });
});

t('a body that is not JSON-RPC is malformed', async ({ node, fake }) => {
  fake.misbehave({ times: 1, act: { kind: 'garbage' } });
  const r = await node.attempt('eth_chainId', [], 2000);
  assert.equal(r, { ok: false, failure: 'malformed', reached: true, detail: 'body is not JSON', httpStatus: 200 });
});

t('a hung node times out and counts as reached', async ({ node, fake }) => {
  fake.misbehave({ times: 1, act: { kind: 'hang' } });
  const r = await node.attempt('eth_chainId', [], 300);
  assert.equal(r, { ok: false, failure: 'timeout', reached: true, detail: 'timeout after 300 ms' });
});

t('a reset connection is a transport failure that may have reached the node', async ({ node, fake }) => {
  fake.misbehave({ times: 1, act: { kind: 'reset' } });
  const r = await node.attempt('eth_chainId', [], 2000);
  assert.ok(!r.ok);
  if (!r.ok) {
    assert.is(r.reached, true);
    assert.is(r.failure, 'transport');
    assert.is(r.detail, 'ECONNRESET');
  }
});

t('a refused connection never reached the node, and the detail names no URL', async () => {
  // Bind then close a port, so nothing listens there.
  const server: Server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  await new Promise<void>((r) => server.close(() => r()));
  const dead = new UpstreamNode('l1', { name: 'dead', url: `http://127.0.0.1:${port}/key/SECRETPROVIDERKEY` });
  const r = await dead.attempt('eth_chainId', [], 2000);
  dead.close();
  assert.ok(!r.ok);
  if (!r.ok) {
    assert.is(r.failure, 'connect');
    assert.is(r.reached, false);
    assert.not.match(r.detail, String(port));
    assert.not.match(r.detail, 'SECRET');
    assert.not.match(r.detail, '127.0.0.1');
  }
});

t('an answer for another id is malformed', () => {
  assert.equal(parseResponse('{"jsonrpc":"2.0","id":2,"result":"0x1"}', 1), { ok: false, detail: 'response id does not match the request' });
  assert.equal(parseResponse('{"jsonrpc":"2.0","id":1}', 1), { ok: false, detail: 'neither result nor error' });
  assert.equal(parseResponse('[]', 1), { ok: false, detail: 'body is not a JSON-RPC response' });
  assert.equal(parseResponse('{"jsonrpc":"2.0","id":1,"error":{"message":"no code"}}', 1), {
    ok: false,
    detail: 'error member is not a JSON-RPC error',
  });
  assert.equal(parseResponse('{"jsonrpc":"2.0","id":1,"result":null}', 1), { ok: true, outcome: { kind: 'result', raw: 'null', value: null } });
});

t('an answer bigger than the limit is dropped as malformed', async ({ anvil }) => {
  const small = new UpstreamNode('l2', { name: 'small', url: anvil.url }, { maxResponseBytes: 100 });
  const r = await small.attempt('eth_getBlockByNumber', ['latest', true], 2000);
  small.close();
  assert.equal(r, { ok: false, failure: 'malformed', reached: true, detail: 'response over 100 bytes' });
});

t('URL secrets cover userinfo, long path segments and query values', () => {
  const secrets = urlSecrets('https://user:pa55word@rpc.example.org/v2/abcdef123456?apikey=zzzzzz99');
  const text = scrub('failed at https://user:pa55word@rpc.example.org/v2/abcdef123456?apikey=zzzzzz99 with abcdef123456 and zzzzzz99 pa55word', secrets);
  for (const s of ['abcdef123456', 'zzzzzz99', 'pa55word']) assert.not.match(text, s);
  assert.is(scrub('nothing here', secrets), 'nothing here');
});

t.run();
