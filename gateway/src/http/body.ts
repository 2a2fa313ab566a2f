// Reads a request body up to a limit, refusing early on a declared Content-Length over it.
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

export async function readBody(req: IncomingMessage, limit: number): Promise<string> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) {
    req.resume(); // drain without buffering so the socket can be reused or closed cleanly
    throw new BodyTooLargeError(limit);
  }
  const chunks: Buffer[] = [];
  let size = 0;
  await new Promise<void>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        cleanup();
        req.resume(); // discard the rest; the response carries Connection: close
        reject(new BodyTooLargeError(limit));
        return;
      }
      chunks.push(chunk);
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
    const cleanup = () => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
      req.off('aborted', onAborted);
    };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
    req.on('aborted', onAborted);
  });
  try {
    return utf8.decode(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, size));
  } catch {
    throw new ParseError('Parse error: the body is not valid UTF-8');
  }
}
