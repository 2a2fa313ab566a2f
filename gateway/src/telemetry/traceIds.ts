// A request's trace id and server span id exist before (and whether or not) its span does, so log lines
// can carry them while the request is open; the SDK adopts them through this IdGenerator when the span is built.
import type { IdGenerator } from '@opentelemetry/sdk-trace-base';

export interface TraceIds {
  traceId: string;
  spanId: string;
}

const BYTE_HEX: readonly string[] = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

/** Non-cryptographic random hex, as OpenTelemetry's own RandomIdGenerator: ids must be unique, not secret. */
function randomHex(words: number): string {
  let hex = '';
  let any = 0;
  for (let i = 0; i < words; i++) {
    const w = (Math.random() * 0x1_0000_0000) >>> 0;
    any |= w;
    // a table lookup per byte: Number#toString(16) made ids the costliest part of a traced request
    hex += BYTE_HEX[w >>> 24]! + BYTE_HEX[(w >>> 16) & 0xff]! + BYTE_HEX[(w >>> 8) & 0xff]! + BYTE_HEX[w & 0xff]!;
  }
  // an all-zero id is invalid in W3C trace context
  return any === 0 ? `${hex.slice(0, -1)}1` : hex;
}

export function randomTraceIds(): TraceIds {
  return { traceId: randomHex(4), spanId: randomHex(2) };
}

/** Random ids, except for the one root span started inside `withIds`, which gets the ids given. */
export class ServerSpanIdGenerator implements IdGenerator {
  private pendingTraceId: string | undefined;
  private pendingSpanId: string | undefined;

  withIds<T>(ids: TraceIds, startSpan: () => T): T {
    this.pendingTraceId = ids.traceId;
    this.pendingSpanId = ids.spanId;
    try {
      return startSpan();
    } finally {
      this.pendingTraceId = undefined;
      this.pendingSpanId = undefined;
    }
  }

  generateTraceId(): string {
    const id = this.pendingTraceId ?? randomHex(4);
    this.pendingTraceId = undefined;
    return id;
  }

  generateSpanId(): string {
    const id = this.pendingSpanId ?? randomHex(2);
    this.pendingSpanId = undefined;
    return id;
  }
}
