// What Node's HTTP server refuses before any route sees a request (not HTTP, headers over its limit, headers too
// slow) is answered as Node answers it and counted, so the operator sees slowloris and broken clients in the
// metrics (gateway_http_client_errors_total) instead of nowhere. A member is served throughout.
import { connect } from 'node:net';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { startTestGateway, type TestGateway } from '../helpers/gateway.ts';
import { series } from './faults_support.ts';

const HEADERS_TIMEOUT_MS = 600;
let tg: TestGateway;
test.before(async () => {
  tg = await startTestGateway({ l2Nodes: 1, l1Nodes: 1, telemetry: true, env: { HEADERS_TIMEOUT_MS: String(HEADERS_TIMEOUT_MS) } });
});
test.after(async () => {
  await tg.stop();
});

/** Writes `bytes` (all at once, or a byte every `dripMs`) and resolves with everything the server said before it hung up. */
function exchange(bytes: string, dripMs?: number): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect(tg.gw.port, '127.0.0.1');
    let reply = '';
    let drip: NodeJS.Timeout | undefined;
    socket.on('data', (d) => (reply += d.toString('latin1')));
    socket.on('error', () => {});
    socket.on('close', () => {
      clearInterval(drip);
      clearTimeout(giveUp);
      resolve(reply);
    });
    const giveUp = setTimeout(() => socket.destroy(), 10_000);
    if (dripMs === undefined) socket.write(bytes);
    else {
      let at = 0;
      drip = setInterval(() => at < bytes.length && socket.write(bytes[at++]!), dripMs);
    }
  });
}

const count = async (reason: string) => series(await tg.metrics(), 'gateway_http_client_errors_total', { reason });

test('a request that is not HTTP: 400 from Node, counted as malformed', async () => {
  const before = tg.of('http.client_error').length;
  const reply = await exchange('HELLO THERE\r\n\r\n');
  assert.match(reply, /^HTTP\/1\.1 400 Bad Request\r\nConnection: close\r\n\r\n$/);
  assert.equal(tg.of('http.client_error').slice(before), [{ type: 'http.client_error', reason: 'malformed' }]);
  assert.is(await count('malformed'), 1);
});

test('headers over Node\'s limit: 431, counted as headers_too_large', async () => {
  const reply = await exchange(`POST /api/${tg.key}/l2 HTTP/1.1\r\nHost: x\r\nX-Pad: ${'a'.repeat(20_000)}\r\n\r\n`);
  assert.match(reply, /^HTTP\/1\.1 431 /);
  assert.is(await count('headers_too_large'), 1);
});

test('headers slower than HEADERS_TIMEOUT_MS: 408, counted as timeout; the key in the request line is in no log', async () => {
  const started = Date.now();
  const reply = await exchange(`POST /api/${tg.key}/l2 HTTP/1.1\r\nHost: x\r\nX-Slow: ${'a'.repeat(200)}`, 20);
  assert.match(reply, /^HTTP\/1\.1 408 Request Timeout\r\n/);
  assert.ok(Date.now() - started < HEADERS_TIMEOUT_MS + 3000, `cut after ${Date.now() - started} ms`);
  assert.is(await count('timeout'), 1);
  assert.not.ok(JSON.stringify(tg.logs()).includes(tg.key), 'the key appears in no log line');
});

/** Sends `head` and part of its declared body, reads until `until` shows in the answer (or 300 ms pass), then hangs up. */
function hangUp(head: string, until?: RegExp): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect(tg.gw.port, '127.0.0.1');
    let reply = '';
    socket.on('data', (d) => {
      reply += d.toString('latin1');
      if (until?.test(reply)) socket.end();
    });
    socket.on('error', () => {});
    socket.on('close', () => resolve(reply));
    socket.on('connect', () => {
      socket.write(`${head}\r\n\r\n${' '.repeat(16 * 1024)}`);
      if (!until) setTimeout(() => socket.end(), 300);
    });
    setTimeout(() => socket.destroy(), 10_000).unref(); // a cut that never came fails the assertions, not the run
  });
}

test('a member that hangs up mid-body is counted as aborted', async () => {
  const before = tg.of('http.client_error').length;
  await hangUp(`POST /api/${tg.key}/l2 HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 500000`);
  await new Promise((r) => setTimeout(r, 300));
  assert.equal(tg.of('http.client_error').slice(before), [{ type: 'http.client_error', reason: 'aborted' }]);
  assert.is(await count('aborted'), 1);
});

test('a client that stops when its body is refused early is no client error: the gateway is closing that connection', async () => {
  const before = tg.of('http.client_error').length;
  const reply = await hangUp(`POST /api/${'A'.repeat(43)}/l2 HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 500000`, /\r\n\r\n\{.*\}/s);
  assert.match(reply, /^HTTP\/1\.1 401 /);
  await new Promise((r) => setTimeout(r, 300));
  assert.equal(tg.of('http.client_error').slice(before), []);
});

test('a member is served throughout, and its calls are no client errors', async () => {
  const before = tg.of('http.client_error').length;
  assert.is((await tg.rpc('eth_chainId')).result, '0xa4b1');
  assert.is(tg.of('http.client_error').length, before);
});

test.run();
