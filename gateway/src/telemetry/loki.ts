// Ships the same JSON lines to Loki with pino-loki, in-process and bounded.
// How pino-loki behaves (v3, read from its source): with batching, lines go into an array that drops
// its oldest line beyond maxBufferSize; every interval the array is handed to a push that is NOT
// awaited, fails silently (silenceErrors) and is never retried, and is aborted after `timeout`.
// So memory held while Loki is down or hanging is at most maxBufferSize lines buffered plus
// ceil(timeout / interval) batches in flight, and a request never waits on Loki. Without batching
// every line would be its own concurrent push: unbounded when Loki hangs, so batching is always on.
// In-process, pino-loki parses lines through a stream pino never waits on, so a synchronous burst of
// lines would queue in that stream: the guard below drops lines for Loki (never for stdout) past a cap.
import type { DestinationStream } from 'pino';
import { pinoLoki } from 'pino-loki';
import type { LokiConfig } from './config.ts';

/** Bytes of lines waiting to be parsed by the Loki stream before new lines skip Loki. */
const MAX_PENDING_BYTES = 4 * 1024 * 1024;

export interface LokiStream {
  stream: DestinationStream;
  /** Pushes what is buffered (bounded by the push timeout) and stops the batch timer. */
  close(): Promise<void>;
}

/** Labels stay low-cardinality: `service`, `level` (pino-loki adds it) and `network` when the line has one. */
export function createLokiStream(cfg: LokiConfig, serviceName: string): LokiStream {
  const stream = pinoLoki({
    host: cfg.pushUrl,
    endpoint: cfg.pushUrl, // absolute, so pino-loki's relative default is not appended to the configured path
    batching: { interval: cfg.batchIntervalMs / 1000, maxBufferSize: cfg.maxBufferedLines },
    timeout: cfg.timeoutMs,
    silenceErrors: true, // its failure report is a console.error per failed push, every interval, while Loki is down
    labels: { service: serviceName },
    propsToLabels: ['network'],
    structuredMetaKey: false,
    ...(cfg.basicAuth ? { basicAuth: cfg.basicAuth } : {}),
  });
  // A stream error must never surface as an uncaught exception in the request path.
  stream.on('error', () => {});
  stream.on('unknown', () => {});
  let closing: Promise<void> | undefined;
  return {
    stream: {
      write(line: string) {
        if (stream.writableLength > MAX_PENDING_BYTES || stream.writableEnded) return;
        stream.write(line);
      },
    },
    close: () =>
      (closing ??= new Promise<void>((resolve) => {
        if (stream.destroyed) return resolve();
        const done = () => resolve();
        stream.once('close', done);
        // Bounded: the final push is aborted by the push timeout; a little slack for the abort itself.
        setTimeout(done, cfg.timeoutMs + 1000).unref();
        stream.end();
      })),
  };
}
