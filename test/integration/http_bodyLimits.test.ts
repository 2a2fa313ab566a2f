// Body limits come before anything else reads the body, whatever the key and whatever the route: a declared
// oversize body is refused at once, and a body nobody reads is cut off at the route's limit instead of being
// read to its end.
import { connect } from 'node:net';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { generateApiKey } from '../../gateway/src/access/apiKey.ts';
import { startTestGateway, type TestGateway } from '../helpers/gateway.ts';
import { rawRequest } from '../helpers/rawHttp.ts';

let tg: TestGateway;
test.before(async () => {
  tg = await startTestGateway({ l2Nodes: 1, l1Nodes: 1, env: { MAX_BODY_BYTES: '65536' } });
});
test.after(async () => {
  await tg.stop();
});

const MB = 1024 * 1024;
const port = () => tg.gw.port;
/** 50 MB in 64 KiB pieces. */
function* fiftyMegabytes(): Iterable<Buffer> {
  const piece = Buffer.alloc(64 * 1024, 0x20);
  for (let sent = 0; sent < 50 * MB; sent += piece.length) yield piece;
}
function* chunked(): Iterable<Buffer> {
  for (const piece of fiftyMegabytes()) yield Buffer.concat([Buffer.from(`${piece.length.toString(16)}\r\n`), piece, Buffer.from('\r\n')]);
}

test('an unknown key with a declared 50 MB body: 413 and -32005 at once, the key never looked at, the body never read', async () => {
  const denied = tg.of('access.denied').length;
  const started = Date.now();
  const reply = await rawRequest({
    port: port(),
    head: `POST /api/${generateApiKey().key}/l2 HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${50 * MB}`,
    body: fiftyMegabytes,
  });
  assert.is(reply.status, 413);
  assert.is(JSON.parse(reply.body).error.code, -32005);
  assert.is(reply.headers.connection, 'close');
  assert.ok(reply.closed, 'the server hung up');
  assert.ok(reply.bytesWritten < 10 * MB, `the gateway read ${reply.bytesWritten} bytes of it`);
  assert.ok(Date.now() - started < 5000);
  assert.is(tg.of('access.denied').length, denied, 'no key check');
  assert.is(tg.of('request.completed').at(-1)?.httpStatus, 413);
});

test('an unknown key with a chunked body that never ends: 401, then the connection is cut at the limit', async () => {
  const reply = await rawRequest({
    port: port(),
    head: `POST /api/${generateApiKey().key}/l2 HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked`,
    body: chunked,
  });
  assert.is(reply.status, 401);
  assert.is(reply.headers.connection, 'close');
  assert.ok(reply.closed);
  assert.ok(reply.bytesWritten < 10 * MB, `the gateway read ${reply.bytesWritten} bytes of it`);
});

test('a member whose chunked body runs past the limit: 413, and the rest is not read', async () => {
  const reply = await rawRequest({
    port: port(),
    head: `POST /api/${tg.key}/l2 HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked`,
    body: chunked,
  });
  assert.is(reply.status, 413);
  assert.ok(reply.closed);
  assert.ok(reply.bytesWritten < 10 * MB, `the gateway read ${reply.bytesWritten} bytes of it`);
});

test('a client that reads its answer only after 500 ms of writing still gets the 413: a half-close, not a reset', async () => {
  for (const head of [`Content-Length: ${50 * MB}`, 'Transfer-Encoding: chunked']) {
    const reply = await rawRequest({
      port: port(),
      head: `POST /api/${tg.key}/l2 HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n${head}`,
      body: head.startsWith('Transfer') ? chunked : fiftyMegabytes,
      readAfterMs: 500,
    });
    assert.is(reply.status, 413, `${head}: the answer was read, not lost to a reset`);
    assert.is(JSON.parse(reply.body).error.code, -32005);
    assert.ok(reply.bytesWritten < 10 * MB, `${head}: the gateway read ${reply.bytesWritten} bytes of it`);
  }
});

test('a request pipelined behind a refused body is not served: the connection is closing', async () => {
  const completed = () => tg.of('request.completed').length;
  const denied = () => tg.of('access.denied').length;
  const [c0, d0] = [completed(), denied()];
  const body = 'x'.repeat(30 * 1024); // within MAX_BODY_BYTES: read to its end during the linger
  const reply = await new Promise<string>((resolve) => {
    const socket = connect({ port: port(), host: '127.0.0.1', allowHalfOpen: true });
    let text = '';
    socket.on('data', (d) => (text += d.toString('latin1')));
    socket.on('error', () => {});
    socket.on('close', () => resolve(text));
    socket.on('end', () => setTimeout(() => socket.end(), 300)); // the server's FIN: done writing, a moment later
    socket.on('connect', () => {
      // An unknown key, answered before its body is complete; then the rest of the body and a member's call.
      socket.write(`POST /api/${generateApiKey().key}/l2 HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body.slice(0, 10)}`);
      setTimeout(() => {
        const call = '{"jsonrpc":"2.0","id":1,"method":"eth_chainId","params":[]}';
        socket.write(`${body.slice(10)}POST /api/${tg.key}/l2 HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${call.length}\r\n\r\n${call}`);
      }, 200);
    });
    setTimeout(() => socket.destroy(), 10_000).unref(); // a cut that never came fails the assertions, not the run
  });
  assert.match(reply, /^HTTP\/1\.1 401 /, JSON.stringify(reply.slice(0, 200)));
  assert.is(reply.match(/HTTP\/1\.1 /g)?.length, 1, 'one answer on the connection');
  assert.is(denied() - d0, 1);
  assert.is(completed() - c0, 1, 'the pipelined call was never handled');
});

test('POST /healthz and a portal route with a 50 MB body: answered without reading it', async () => {
  for (const path of ['/healthz', '/auth/challenge', '/nowhere']) {
    const reply = await rawRequest({
      port: port(),
      head: `POST ${path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${50 * MB}`,
      body: fiftyMegabytes,
    });
    assert.ok(reply.status > 0, `${path}: answered`);
    assert.ok(reply.closed, path);
    assert.ok(reply.bytesWritten < 10 * MB, `${path}: the gateway read ${reply.bytesWritten} bytes`);
  }
});

test('a member is served throughout', async () => {
  assert.is((await tg.rpc('eth_chainId')).result, '0xa4b1');
});

test.run();
