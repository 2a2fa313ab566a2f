// What Node's HTTP server refuses before a request reaches the gateway: a client too slow with its headers or its
// body (HEADERS_TIMEOUT_MS, REQUEST_TIMEOUT_MS), a request that is not HTTP, headers over Node's limit, a client
// that reset its connection. Answered as Node answers them by default, and announced as an event, so that slowloris
// and broken clients show in the metrics instead of nowhere.
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { STATUS_CODES } from 'node:http';
import type { Emitter } from '../common/bus.ts';

export type ClientErrorReason = 'timeout' | 'headers_too_large' | 'malformed' | 'reset';

export interface ClientErrorEvent {
  type: 'http.client_error';
  reason: ClientErrorReason;
}

const answer = (status: number) => Buffer.from(`HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nConnection: close\r\n\r\n`, 'ascii');
const ANSWERS: Record<Exclude<ClientErrorReason, 'reset'>, Buffer> = {
  timeout: answer(408),
  headers_too_large: answer(431),
  malformed: answer(400),
};

export function clientErrorReason(code: string | undefined): ClientErrorReason {
  switch (code) {
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return 'timeout';
    case 'HPE_HEADER_OVERFLOW':
      return 'headers_too_large';
    case 'ECONNRESET':
    case 'EPIPE':
      return 'reset';
    default:
      return 'malformed';
  }
}

/** The server's 'clientError' listener. */
export function clientErrorListener(bus: Emitter<ClientErrorEvent>): (err: NodeJS.ErrnoException, socket: Duplex) => void {
  return (err, socket) => {
    const reason = clientErrorReason(err.code);
    bus.emit({ type: 'http.client_error', reason });
    // As Node does: an answer only where none has begun (nothing written on this connection for this request).
    const s = socket as Socket & { _httpMessage?: { headersSent?: boolean } };
    if (reason !== 'reset' && s.writable && !s._httpMessage?.headersSent) s.write(ANSWERS[reason]);
    s.destroy();
  };
}
