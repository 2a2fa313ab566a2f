// HTTP/1.1 by hand over one loopback socket, for what fetch will not do: declare a body it never sends, stream
// a body without end, send headers one byte at a time. Resolves with what the server answered and when it hung up.
import { connect, type Socket } from 'node:net';

export interface RawReply {
  /** The status of the first response, or 0 when none came. */
  status: number;
  headers: Record<string, string>;
  body: string;
  /** The server closed (half-closed, or reset) the connection. */
  closed: boolean;
  /** Body bytes this side managed to write before the server hung up or the feed ended. */
  bytesWritten: number;
}

export interface RawRequest {
  port: number;
  /** Request line and headers, without the blank line. */
  head: string;
  /** Body bytes to write, piece by piece, until the server hangs up; each piece waits for drain. */
  body?: () => Iterable<Buffer>;
  /** Give up after this long. */
  timeoutMs?: number;
  /** Read nothing of the answer for this long (a client busy writing its body), then read it. */
  readAfterMs?: number;
}

export function rawRequest(r: RawRequest): Promise<RawReply> {
  return new Promise((resolve) => {
    const socket: Socket = connect(r.port, '127.0.0.1');
    let received = '';
    let written = 0;
    let closed = false;
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      const [head = '', ...rest] = received.split('\r\n\r\n');
      const lines = head.split('\r\n');
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(lines[0] ?? '')?.[1] ?? 0);
      const headers = Object.fromEntries(lines.slice(1).map((l) => [l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 1).trim()]));
      resolve({ status, headers, body: rest.join('\r\n\r\n'), closed, bytesWritten: written });
    };
    const timer = setTimeout(finish, r.timeoutMs ?? 10_000);
    socket.on('data', (d) => (received += d.toString('latin1')));
    socket.on('error', () => {
      closed = true;
      finish();
    });
    socket.on('close', () => {
      closed = true;
      finish();
    });
    // The server's half-close: it has said all it will say, and a client stops writing here.
    socket.on('end', () => {
      closed = true;
      finish();
    });
    socket.on('connect', async () => {
      if (r.readAfterMs) {
        socket.pause();
        setTimeout(() => socket.resume(), r.readAfterMs);
      }
      socket.write(`${r.head}\r\n\r\n`);
      if (!r.body) return;
      for (const piece of r.body()) {
        if (done || closed) return;
        written += piece.length;
        if (!socket.write(piece)) await new Promise<void>((ok) => { socket.once('drain', ok); socket.once('close', ok); });
      }
    });
  });
}
