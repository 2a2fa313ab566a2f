// The lingering close (http/body.ts) on a bare node:http server, where the server side can be measured: an answer
// sent before the body was read reaches a client still writing (no reset), the server reads at most the limit
// more, the connection is cut within the linger whatever the client does, and a client that stops is let go at
// once. (That nothing pipelined behind such a body is served is the gateway's part: http_bodyLimits.)
import { createServer, type Server } from 'node:http';
import { connect, type AddressInfo, type Socket } from 'node:net';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { lingeringClose } from '../../gateway/src/http/body.ts';

const LIMIT = 256 * 1024;
const KB = 1024;
let server: Server;
let port: number;
let handled: string[] = [];
const serverSockets: Socket[] = [];

test.before(async () => {
  // Every request is refused with 413 before its body is read, as the gateway refuses an unknown key.
  server = createServer((req, res) => {
    handled.push(req.url ?? '');
    lingeringClose(req, res, LIMIT);
    res.writeHead(413, { Connection: 'close', 'Content-Length': 2 });
    res.end('no');
  });
  server.on('connection', (s) => serverSockets.push(s));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});
test.after(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});
test.before.each(() => {
  handled = [];
});

interface Seen {
  reply: string;
  /** ms from connect to the server's FIN, and to the connection's end. */
  finAfterMs?: number;
  closedAfterMs: number;
  serverRead: number;
}

/**
 * A client that writes `head` then body pieces as fast as TCP lets it, up to `bodyBytes` (Infinity: until the
 * connection ends), ignoring the server's FIN (half-open) unless `stopOnAnswer`, when it closes as soon as it has
 * the answer.
 */
function client(head: string, bodyBytes: number, stopOnAnswer = false): Promise<Seen> {
  return new Promise((resolve) => {
    const started = Date.now();
    const socket = connect({ port, host: '127.0.0.1', allowHalfOpen: true });
    const seen: Partial<Seen> = { reply: '' };
    let written = 0;
    let ended = false;
    socket.on('data', (d) => {
      seen.reply += d.toString('latin1');
      if (stopOnAnswer && seen.reply!.includes('\r\n\r\nno')) socket.destroy();
    });
    socket.on('end', () => (seen.finAfterMs = Date.now() - started));
    socket.on('error', () => {});
    socket.on('close', () => {
      ended = true;
      const mine = serverSockets.find((s) => s.remotePort === socket.localPort);
      resolve({ ...(seen as Seen), closedAfterMs: Date.now() - started, serverRead: mine?.bytesRead ?? -1 });
    });
    const piece = Buffer.alloc(16 * KB, 0x20);
    const pump = () => {
      while (!ended && written < bodyBytes) {
        written += piece.length;
        if (!socket.write(piece)) return void socket.once('drain', pump);
      }
    };
    socket.on('connect', () => {
      socket.write(head);
      pump();
    });
    setTimeout(() => socket.destroy(), 10_000).unref(); // a cut that never came fails the assertions, not the run
  });
}

test('a client that ignores the answer and writes on: 413 read, at most the limit more read, cut within the linger', async () => {
  const seen = await client(`POST /a HTTP/1.1\r\nHost: x\r\nContent-Length: ${50 * 1024 * KB}\r\n\r\n`, Infinity);
  assert.match(seen.reply, /^HTTP\/1\.1 413 /, 'the answer, not a reset');
  assert.ok(seen.finAfterMs !== undefined && seen.finAfterMs < 1000, `the half-close came with the answer (${seen.finAfterMs} ms)`);
  assert.ok(seen.closedAfterMs >= 1500 && seen.closedAfterMs < 3500, `cut after the 2 s linger (${seen.closedAfterMs} ms)`);
  assert.ok(seen.serverRead <= LIMIT + 512 * KB, `the server read ${seen.serverRead} bytes (limit ${LIMIT})`);
  assert.equal(handled, ['/a']);
});

test('the same with a chunked body', async () => {
  const seen = await client('POST /b HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n', Infinity);
  assert.match(seen.reply, /^HTTP\/1\.1 413 /);
  assert.ok(seen.closedAfterMs < 3500, `cut (${seen.closedAfterMs} ms)`);
  assert.ok(seen.serverRead <= LIMIT + 512 * KB, `the server read ${seen.serverRead} bytes`);
});

test('a client that stops at the answer is let go at once, not held for the linger', async () => {
  const seen = await client(`POST /c HTTP/1.1\r\nHost: x\r\nContent-Length: ${10 * 1024 * KB}\r\n\r\n`, 64 * KB, true);
  assert.match(seen.reply, /^HTTP\/1\.1 413 /);
  await new Promise((r) => setTimeout(r, 300));
  const mine = serverSockets.at(-1)!;
  assert.ok(mine.destroyed, 'the server closed its side as soon as the client hung up');
});

test.run();
