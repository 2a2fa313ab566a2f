// Reading a request body (http/body.ts) when the client is gone: the read ends with an error at once, never
// waits forever (a request that never finishes would hold a drain until its timeout).
import { createServer, type IncomingMessage } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readBody } from '../../gateway/src/http/body.ts';

test('a body whose client went away before it was read: readBody rejects instead of waiting forever', async () => {
  let settled: Promise<string> | undefined;
  const gone = new Promise<void>((resolve) => {
    const server = createServer((req: IncomingMessage) => {
      // The gateway reads the body only after the key check, which may take a database round trip.
      req.socket.once('close', () =>
        setTimeout(() => {
          settled = Promise.race([
            readBody(req, 1_000_000).then(
              () => 'resolved',
              (err: Error) => `rejected: ${err.message}`,
            ),
            new Promise<string>((r) => setTimeout(() => r('still waiting after 2 s'), 2000)),
          ]);
          server.close();
          resolve();
        }, 50),
      );
    });
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      const socket = connect(port, '127.0.0.1', () => {
        socket.write(`POST /api/k/l2 HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"jsonrpc"`);
        setTimeout(() => socket.destroy(), 100); // the rest never comes
      });
    });
  });
  await gone;
  assert.match(await settled!, /^rejected: request aborted/);
});

test.run();
