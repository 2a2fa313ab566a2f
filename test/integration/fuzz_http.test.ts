// HTTP-level abuse against the gateway as operators run it, all at once, while a normal member keeps calling:
// slow headers (slowloris), bodies that never finish, 50 MB bodies, and 1,000 idle keep-alive connections. Slow
// clients are cut at HEADERS_TIMEOUT_MS / REQUEST_TIMEOUT_MS with 408; idle keep-alive connections are not slow
// clients and stay usable; the member loses nothing; memory stays bounded.
import { readFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { connect } from 'node:net';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { startServedGateway, type GatewayProcess, type ServedGateway } from '../helpers/gatewayProcess.ts';
import { rawRequest } from '../helpers/rawHttp.ts';

const HEADERS_TIMEOUT_MS = 1500;
const REQUEST_TIMEOUT_MS = 3000;
const MB = 1024 * 1024;
let served: ServedGateway;
let gw: GatewayProcess;
let key: string;

test.before(async () => {
  served = await startServedGateway({
    schema: 'test_fuzz_http',
    env: { HEADERS_TIMEOUT_MS: String(HEADERS_TIMEOUT_MS), REQUEST_TIMEOUT_MS: String(REQUEST_TIMEOUT_MS) },
  });
  ({ gw, key } = served);
});

test.after(async () => {
  await served?.stop();
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const rssMb = () => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${gw.child.pid}/status`, 'utf8'))?.[1]) / 1024;
const CALL = '{"jsonrpc":"2.0","id":1,"method":"eth_chainId","params":[]}';

/** A connection that sends its request headers one byte every `everyMs`; resolves with what it got and when it was cut. */
function slowloris(everyMs: number): Promise<{ reply: string; afterMs: number }> {
  return new Promise((resolve) => {
    const started = Date.now();
    const head = Buffer.from(`POST /api/${key}/l2 HTTP/1.1\r\nHost: x\r\nX-Pad: ${'a'.repeat(10_000)}`);
    const socket = connect(gw.port, '127.0.0.1');
    let reply = '';
    let at = 0;
    const drip = setInterval(() => at < head.length && socket.write(head.subarray(at, ++at)), everyMs);
    socket.on('data', (d) => (reply += d.toString('latin1')));
    socket.on('error', () => {});
    socket.on('close', () => {
      clearInterval(drip);
      resolve({ reply, afterMs: Date.now() - started });
    });
    setTimeout(() => socket.destroy(), 20_000); // the cut never came: the assertion below says so
  });
}

/** A member's request whose declared body never arrives in full. */
async function unfinishedBody(): Promise<{ status: number; closed: boolean; afterMs: number }> {
  const started = Date.now();
  const r = await rawRequest({
    port: gw.port,
    head: `POST /api/${key}/l2 HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000`,
    body: function* () {
      yield Buffer.from('{"jsonrpc":"2.0",');
    },
    timeoutMs: 20_000,
  });
  return { status: r.status, closed: r.closed, afterMs: Date.now() - started };
}

function* fiftyMegabytes(chunked: boolean): Iterable<Buffer> {
  const piece = Buffer.alloc(64 * 1024, 0x20);
  for (let sent = 0; sent < 50 * MB; sent += piece.length) {
    yield chunked ? Buffer.concat([Buffer.from(`${piece.length.toString(16)}\r\n`), piece, Buffer.from('\r\n')]) : piece;
  }
}

function post(agent: Agent): Promise<{ ok: boolean; reused: boolean }> {
  return new Promise((resolve) => {
    const req = request({ agent, host: '127.0.0.1', port: gw.port, path: `/api/${key}/l2`, method: 'POST', headers: { 'content-type': 'application/json' } }, (res) => {
      let text = '';
      res.on('data', (d: Buffer) => (text += d.toString()));
      res.on('end', () => resolve({ ok: res.statusCode === 200 && text.includes('"0xa4b1"'), reused: req.reusedSocket }));
    });
    req.on('error', () => resolve({ ok: false, reused: req.reusedSocket }));
    req.setTimeout(10_000, () => req.destroy());
    req.end(CALL);
  });
}

test('slowloris, unfinished bodies, 50 MB bodies and 1,000 idle keep-alive connections at once: a member is served throughout', async () => {
  const rssBefore = rssMb();
  let rssPeak = rssBefore;
  const sampler = setInterval(() => (rssPeak = Math.max(rssPeak, rssMb())), 100);

  // The member: one call after another, on a keep-alive connection of its own, for the whole attack.
  let attacking = true;
  const member = { ok: 0, failed: 0, slowestMs: 0 };
  const memberAgent = new Agent({ keepAlive: true, maxSockets: 1 });
  const memberLoop = (async () => {
    while (attacking) {
      const started = Date.now();
      const r = await post(memberAgent);
      member.slowestMs = Math.max(member.slowestMs, Date.now() - started);
      if (r.ok) member.ok++;
      else member.failed++;
      await sleep(10);
    }
  })();

  // 1,000 keep-alive connections, each used once, then left idle.
  const idleAgent = new Agent({ keepAlive: true, maxSockets: 1000, maxFreeSockets: 1000, timeout: 60_000 });
  const opened = await Promise.all(Array.from({ length: 1000 }, () => post(idleAgent)));
  const freeSockets = () => Object.values(idleAgent.freeSockets).reduce((n, list) => n + (list?.length ?? 0), 0);

  const [loris, unfinished, big] = await Promise.all([
    Promise.all(Array.from({ length: 200 }, () => slowloris(200))),
    Promise.all(Array.from({ length: 50 }, unfinishedBody)),
    Promise.all([
      rawRequest({ port: gw.port, head: `POST /api/${key}/l2 HTTP/1.1\r\nHost: x\r\nContent-Length: ${50 * MB}`, body: () => fiftyMegabytes(false), timeoutMs: 20_000 }),
      rawRequest({ port: gw.port, head: `POST /api/${key}/l2 HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked`, body: () => fiftyMegabytes(true), timeoutMs: 20_000 }),
      rawRequest({ port: gw.port, head: `POST /api/${key}/l1 HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked`, body: () => fiftyMegabytes(true), timeoutMs: 20_000 }),
    ]),
  ]);
  const idleAfterAttack = freeSockets();
  const reused = await Promise.all(Array.from({ length: 1000 }, () => post(idleAgent)));
  attacking = false;
  await memberLoop;
  clearInterval(sampler);
  idleAgent.destroy();
  memberAgent.destroy();
  console.log(
    `member: ${member.ok} ok, ${member.failed} failed, slowest ${member.slowestMs} ms; slowloris cut after ${Math.min(...loris.map((l) => l.afterMs))}-${Math.max(...loris.map((l) => l.afterMs))} ms;` +
      ` unfinished bodies cut after ${Math.max(...unfinished.map((u) => u.afterMs))} ms; 50 MB bodies: ${big.map((b) => `${b.status} after ${(b.bytesWritten / MB).toFixed(1)} MB`).join(', ')};` +
      ` idle keep-alive open after the attack: ${idleAfterAttack}, reused ${reused.filter((r) => r.reused).length}; RSS ${rssBefore.toFixed(0)} → peak ${rssPeak.toFixed(0)} MB`,
  );

  assert.is(member.failed, 0, 'the member lost no call');
  assert.ok(member.ok >= 20, `the member kept being served: ${member.ok} calls`);
  assert.ok(opened.every((o) => o.ok), '1,000 keep-alive connections opened');
  for (const l of loris) {
    assert.match(l.reply, /^HTTP\/1\.1 408 /, 'slow headers get 408');
    assert.ok(l.afterMs < HEADERS_TIMEOUT_MS + 3000, `a slowloris connection held on for ${l.afterMs} ms`);
  }
  for (const u of unfinished) {
    assert.ok(u.status === 408 && u.closed, `an unfinished body: ${u.status}, closed ${u.closed}`);
    assert.ok(u.afterMs < REQUEST_TIMEOUT_MS + 3000, `an unfinished body held on for ${u.afterMs} ms`);
  }
  // A declared 50 MB body is refused before it is read, a chunked one at the limit; either way the answer is
  // followed by a half-close and the connection lingers unread, so a client still writing reads its 413.
  for (const b of big) {
    assert.is(b.status, 413, `a 50 MB body is refused with 413, not a reset (${b.status})`);
    assert.ok(b.closed && b.bytesWritten < 20 * MB, `and cut off early (${(b.bytesWritten / MB).toFixed(1)} MB written)`);
  }
  assert.is(idleAfterAttack, 1000, 'idle keep-alive connections are not slow clients: none was cut');
  assert.ok(reused.every((r) => r.ok && r.reused), 'each idle connection served its next call');
  assert.ok(rssPeak - rssBefore < 250, `memory stayed bounded: ${rssBefore.toFixed(0)} → ${rssPeak.toFixed(0)} MB`);
  assert.is(gw.child.exitCode, null, 'the gateway is still running');
  assert.is((await fetch(`${gw.base}/readyz`)).status, 200);
});

test.run();
