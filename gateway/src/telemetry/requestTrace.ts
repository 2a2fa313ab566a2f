// What an open request keeps until its completion decides whether it is traced: a small plain record,
// no SDK object. A traced request's spans are built from it afterwards, each with the times it happened.
import { ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type Attributes, type Context, type Span, type Tracer } from '@opentelemetry/api';
import type { DenyReason } from '../access/events.ts';
import type { EventOf } from '../events.ts';
import type { Network } from '../common/network.ts';
import { safeText } from './requestOutcome.ts';
import { Attr, SpanEventName } from './spanAttributes.ts';
import { randomTraceIds, type ServerSpanIdGenerator, type TraceIds } from './traceIds.ts';

/** Something that happened during the request, kept with the time it was seen. */
export type RequestStep = {
  at: number;
  event: EventOf<'cache.lookup' | 'upstream.attempt' | 'upstream.failover' | 'upstream.hedge' | 'upstream.exhausted' | 'access.denied'>;
};

export interface RequestRecord {
  network: Network;
  /** Epoch ms of the request's first event. */
  startedAt: number;
  /** Made when first asked for (a log line) or when the span is built; most untraced requests never need them. */
  ids?: TraceIds;
  member?: string;
  batchSize?: number;
  bytes?: number;
  denyReason?: DenyReason;
  /** A failover or an exhaustion happened: always traced. */
  troubled: boolean;
  steps: RequestStep[];
}

/** Steps kept per request: a default batch of 100 calls with retries fits; a larger one loses its last steps. */
export const MAX_STEPS = 1024;

export function newRecord(network: Network, startedAt: number): RequestRecord {
  return { network, startedAt, troubled: false, steps: [] };
}

export function recordIds(record: RequestRecord): TraceIds {
  return (record.ids ??= randomTraceIds());
}

export function addStep(record: RequestRecord, event: RequestStep['event']): void {
  if (record.steps.length < MAX_STEPS) record.steps.push({ at: Date.now(), event });
}

/**
 * Starts the request's server span at `startTime` with the record's ids, attributes and span events, and
 * ends its attempt children; the caller adds the completion's attributes and ends the server span.
 */
export function replayRequest(
  tracer: Tracer,
  ids: ServerSpanIdGenerator,
  requestId: string,
  record: RequestRecord,
  startTime: number,
): Span {
  const route = `/api/:key/${record.network}`;
  const attributes: Attributes = {
    [Attr.HttpRequestMethod]: 'POST',
    [Attr.HttpRoute]: route,
    [Attr.RpcSystem]: 'jsonrpc',
    [Attr.Network]: record.network,
    [Attr.RequestId]: requestId,
  };
  // assigned, not spread: this runs for every traced request
  if (record.member !== undefined) attributes[Attr.Member] = record.member;
  if (record.batchSize !== undefined) attributes[Attr.BatchSize] = record.batchSize;
  if (record.bytes !== undefined) attributes[Attr.HttpRequestBodySize] = record.bytes;
  if (record.denyReason !== undefined) attributes[Attr.DenyReason] = record.denyReason;
  const span = ids.withIds(recordIds(record), () => tracer.startSpan(`POST ${route}`, { kind: SpanKind.SERVER, startTime, attributes }, ROOT_CONTEXT));
  const ctx = trace.setSpan(ROOT_CONTEXT, span);
  for (const { at, event: e } of record.steps) {
    switch (e.type) {
      case 'access.denied':
        span.addEvent(SpanEventName.AccessDenied, { [Attr.DenyReason]: e.reason }, at);
        break;
      case 'cache.lookup': {
        const lookup: Attributes = { [Attr.RpcMethod]: safeText(e.method, 64), [Attr.CacheResult]: e.result };
        if (e.tier !== undefined) lookup[Attr.CacheTier] = safeText(e.tier, 32);
        span.addEvent(SpanEventName.CacheLookup, lookup, at);
        break;
      }
      case 'upstream.failover':
        span.addEvent(
          SpanEventName.Failover,
          { [Attr.RpcMethod]: safeText(e.method, 64), [Attr.FailoverFrom]: e.from, [Attr.FailoverTo]: e.to, [Attr.FailoverReason]: e.reason },
          at,
        );
        break;
      case 'upstream.hedge':
        span.addEvent(
          SpanEventName.Hedge,
          { [Attr.RpcMethod]: safeText(e.method, 64), [Attr.FailoverFrom]: e.from, [Attr.FailoverTo]: e.to, [Attr.HedgeDelayMs]: e.delayMs },
          at,
        );
        break;
      case 'upstream.exhausted':
        span.addEvent(SpanEventName.Exhausted, { [Attr.RpcMethod]: safeText(e.method, 64), [Attr.Attempts]: e.attempts, [Attr.ExhaustedReason]: e.reason }, at);
        break;
      case 'upstream.attempt':
        attemptSpan(tracer, ctx, e, at);
        break;
    }
  }
  return span;
}

/** One CLIENT child per upstream attempt, timed by the event's own startTime and durationMs. */
function attemptSpan(tracer: Tracer, ctx: Context, e: EventOf<'upstream.attempt'>, seenAt: number): void {
  const method = safeText(e.method, 64);
  const startTime = Number.isFinite(e.startTime) ? e.startTime : seenAt;
  const durationMs = Number.isFinite(e.durationMs) && e.durationMs >= 0 ? e.durationMs : 0;
  const attributes: Attributes = {
    [Attr.RpcSystem]: 'jsonrpc',
    [Attr.RpcMethod]: method,
    [Attr.ServerAddress]: e.node,
    [Attr.Network]: e.network,
    [Attr.Node]: e.node,
    [Attr.Attempt]: e.attempt,
    [Attr.Outcome]: e.outcome,
  };
  if (e.errorCode !== undefined) attributes[Attr.RpcJsonrpcErrorCode] = e.errorCode;
  if (e.httpStatus !== undefined) attributes[Attr.HttpResponseStatusCode] = e.httpStatus;
  if (e.lastResort) attributes[Attr.LastResort] = true;
  const span = tracer.startSpan(method, { kind: SpanKind.CLIENT, startTime, attributes }, ctx);
  if (e.outcome !== 'ok' && e.outcome !== 'cancelled') {
    span.setAttribute(Attr.ErrorType, e.outcome);
    span.setStatus({ code: SpanStatusCode.ERROR, message: e.detail === undefined ? e.outcome : safeText(e.detail, 200) });
  }
  span.end(startTime + durationMs);
}
