// Request bodies: read up to a limit, refused early on a declared Content-Length over it, and never read past
// the limit when nobody reads them (a refused key, a route that takes no body).
import type { IncomingMessage, ServerResponse } from 'node:http';
import { GatewayError } from '../common/errors.ts';
import { ParseError } from '../rpc/errors.ts';

// Stateless when used without {stream: true}, so one instance serves every request.
const utf8 = new TextDecoder('utf-8', { fatal: true });

export class BodyTooLargeError extends GatewayError {
  override readonly name = 'BodyTooLargeError';
  constructor(limit: number) {
    super('too_large', `Request body is over this gateway's limit of ${limit} bytes`);
  }
}

/** Whether the request says (Content-Length) that its body is over the limit. */
export function declaredOver(req: IncomingMessage, limit: number): boolean {
  const declared = Number(req.headers['content-length']);
  return Number.isFinite(declared) && declared > limit;
}

export async function readBody(req: IncomingMessage, limit: number): Promise<string> {
  if (declaredOver(req, limit)) throw new BodyTooLargeError(limit);
  const chunks: Buffer[] = [];
  let size = 0;
  /** Keeps a chunk; false once the body is over the limit. */
  const take = (chunk: Buffer): boolean => {
    size += chunk.length;
    if (size > limit) return false;
    chunks.push(chunk);
    return true;
  };
  if (req.complete && !req.readableFlowing && !req.readableDidRead) {
    // The whole body has arrived and waits in the stream's buffer (a small call usually does by now): take it
    // without a listener's round trip.
    for (let chunk = req.read() as Buffer | null; chunk !== null; chunk = req.read() as Buffer | null) {
      if (!take(chunk)) throw new BodyTooLargeError(limit);
    }
    return decode(chunks, size);
  }
  // A client that went away before its body was read: its stream's events have all been emitted already.
  if (req.destroyed) throw new Error('request aborted by the client');
  await new Promise<void>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      if (take(chunk)) return;
      cleanup();
      reject(new BodyTooLargeError(limit)); // the rest is bounded by lingeringClose; the answer closes the connection
    };
    const onEnd = () => {
      cleanup();
      resolve();
    };
    const onError = (err: Error) => {
      cleanup();
      reject(err);
    };
    const onAborted = () => onError(new Error('request aborted by the client'));
    // 'close' before 'end': the connection went away mid-body (with or without 'aborted' or 'error' first).
    const onClose = () => {
      if (!req.complete) onAborted();
    };
    const cleanup = () => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
      req.off('aborted', onAborted);
      req.off('close', onClose);
    };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
    req.on('aborted', onAborted);
    req.on('close', onClose);
  });
  return decode(chunks, size);
}

function decode(chunks: Buffer[], size: number): string {
  try {
    return utf8.decode(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, size));
  } catch {
    throw new ParseError('Parse error: the body is not valid UTF-8');
  }
}

/** How long, at most, a connection whose body was not read lingers after its answer before it is cut. */
const LINGER_MS = 2000;

type Lingering = IncomingMessage['socket'] & { destroySoon?: () => void };

/** Connections in a lingering close: what Node reports on them (a hang-up mid-body) is the expected end. */
const lingeringSockets = new WeakSet<object>();

export function isLingering(socket: object): boolean {
  return lingeringSockets.has(socket);
}

/**
 * A lingering close, for an answer sent before its request's body was read (a refused key, a body over the
 * limit). Call it just before the answer is written: the answer then says `Connection: close`.
 *
 * Node closes such a connection the moment the answer is flushed, with the unread body still in the kernel's
 * buffer: the client then gets a reset, and a client that is still writing its body loses the answer it had not
 * read yet (a 413 seen as "connection reset"). Instead the answer is followed by a half-close (FIN), so the client
 * learns it can stop. The rest of the body is read and discarded up to `limit` more bytes, then reading stops (the
 * client's writes stop against TCP's window, and its hang-up is no longer seen); nothing after the body is read,
 * so a request pipelined behind it is never served. The connection is cut when the client hangs up while it is
 * still read, and LINGER_MS after the answer at the latest: it never reads a whole 50 MB body, and never holds a
 * connection for long.
 */
export function lingeringClose(req: IncomingMessage, res: ServerResponse, limit: number): void {
  if (req.complete || req.destroyed) return;
  const socket = req.socket as Lingering;
  lingeringSockets.add(socket);
  res.setHeader('Connection', 'close');
  // Read, not dumped: Node would dump an unread body when the answer is done, discarding it as fast as it arrives
  // with no bound. Counted here, and paused past the limit, which stops the socket once the stream's buffer is full.
  let seen = 0;
  req.on('data', (chunk: Buffer) => {
    seen += chunk.length;
    if (seen > limit) req.pause();
  });
  // The body is over: what follows on this connection (a pipelined request) is not read, let alone served.
  req.once('end', () => socket.pause());
  // Node's close after a `Connection: close` answer (destroySoon: end, then destroy once the FIN is out) becomes
  // the half-close alone, for this answer only (an earlier one on a pipelined connection closes as Node does).
  let answered = false;
  res.prependOnceListener('finish', () => (answered = true)); // before Node's own 'finish' handler calls destroySoon
  const destroySoon = socket.destroySoon;
  socket.destroySoon = () => {
    if (!answered && destroySoon) destroySoon.call(socket);
    else if (socket.writable) socket.end();
  };
  const cut = () => socket.destroy();
  // Should this answer never finish (another one closed the connection first), the connection is cut anyway.
  let timer = setTimeout(cut, 2 * LINGER_MS);
  timer.unref();
  res.once('finish', () => {
    clearTimeout(timer);
    timer = setTimeout(cut, LINGER_MS);
    timer.unref();
  });
  socket.once('close', () => clearTimeout(timer));
}
