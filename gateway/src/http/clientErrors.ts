// What Node's HTTP server refuses or cuts by itself: a client too slow with its headers or its body
// (HEADERS_TIMEOUT_MS, REQUEST_TIMEOUT_MS), a request that is not HTTP, headers over Node's limit, a client that
// hung up or reset its connection before its request was complete. Answered as Node answers them by default, and
// announced as an event, so that slowloris and broken clients show in the metrics instead of nowhere. A connection
// in a lingering close (the gateway has answered and is letting the body run out) ends this way by design: it is
// closed, not counted.
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { STATUS_CODES } from 'node:http';
import type { Emitter } from '../common/bus.ts';
import { isLingering } from './body.ts';

export type ClientErrorReason = 'timeout' | 'headers_too_large' | 'malformed' | 'aborted' | 'reset';

export interface ClientErrorEvent {
  type: 'http.client_error';
  reason: ClientErrorReason;
}

const answer = (status: number) => Buffer.from(`HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nConnection: close\r\n\r\n`, 'ascii');
/** Node's default answer by error code (http's socketOnError); any other code gets 400. */
const NODE_ANSWERS: ReadonlyMap<string | undefined, Buffer> = new Map([
  ['ERR_HTTP_REQUEST_TIMEOUT', answer(408)],
  ['HPE_HEADER_OVERFLOW', answer(431)],
  ['HPE_CHUNK_EXTENSIONS_OVERFLOW', answer(413)],
]);
const BAD_REQUEST = answer(400);

export function clientErrorReason(code: string | undefined): ClientErrorReason {
  switch (code) {
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return 'timeout';
    case 'HPE_HEADER_OVERFLOW':
      return 'headers_too_large';
    case 'HPE_INVALID_EOF_STATE': // the client hung up mid-request
      return 'aborted';
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
    if (isLingering(socket)) {
      socket.destroy();
      return;
    }
    const reason = clientErrorReason(err.code);
    bus.emit({ type: 'http.client_error', reason });
    // As Node does: an answer only where none has begun (nothing written on this connection for this request).
    const s = socket as Socket & { _httpMessage?: { headersSent?: boolean } };
    // None for a client that ended or reset its connection: nobody is there to read it.
    const reply = reason === 'reset' || reason === 'aborted' ? undefined : (NODE_ANSWERS.get(err.code) ?? BAD_REQUEST);
    if (reply && s.writable && !s._httpMessage?.headersSent) s.write(reply);
    s.destroy();
  };
}
