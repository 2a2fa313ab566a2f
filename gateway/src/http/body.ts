// Request bodies: read up to a limit, refused early on a declared Content-Length over it, and never read past
// the limit when nobody reads them (a refused key, a route that takes no body).
import type { IncomingMessage } from 'node:http';
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
      reject(new BodyTooLargeError(limit)); // the rest is bounded by drainBounded; the answer closes the connection
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

/** How long a connection whose unread body went past the limit lingers, not read, before it is cut. */
const LINGER_MS = 1000;

/**
 * A body nobody reads is still arriving after the answer: Node would read (and discard) all of it to keep the
 * connection. The answer closes the connection instead, and at most `limit` more bytes are read. Past that the
 * connection is no longer read (the client's writes stop against TCP's window) and is cut LINGER_MS later: a
 * client still writing reads the answer first, instead of a reset that would discard it.
 */
export function drainBounded(req: IncomingMessage, limit: number): void {
  if (req.complete || req.destroyed) return;
  let seen = 0;
  let cut = false;
  req.on('data', (chunk: Buffer) => {
    seen += chunk.length;
    if (seen <= limit || cut) return;
    cut = true;
    req.pause();
    setTimeout(() => req.socket.destroy(), LINGER_MS).unref();
  });
  req.resume();
}
