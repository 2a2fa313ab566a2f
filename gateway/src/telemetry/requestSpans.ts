// Turns request events into spans: one SERVER span per HTTP request, one CLIENT child span per
// upstream attempt (built after the fact from its startTime/durationMs), span events for cache
// lookups, failovers, exhaustion and denials. Only created when tracing is on.
import { ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type Context, type Span, type Tracer } from '@opentelemetry/api';
import type { EventBus, EventOf, Network } from '../events.ts';
import { isGatewayFailure, requestOutcome, safeText } from './requestOutcome.ts';
import { Attr, SpanEventName } from './spanAttributes.ts';

export interface TraceIds {
  traceId: string;
  spanId: string;
}

interface OpenRequest {
  span: Span;
  ctx: Context;
  openedAt: number;
  denied: boolean;
}

export interface RequestSpanLimits {
  /** Requests traced at once; beyond it the oldest span is ended as abandoned. */
  maxOpen: number;
  /** A request still open after this is ended as abandoned (its completion never came). */
  maxAgeMs: number;
}

export class RequestSpans {
  private readonly open = new Map<string, OpenRequest>();

  constructor(
    private readonly tracer: Tracer,
    private readonly limits: RequestSpanLimits = { maxOpen: 10_000, maxAgeMs: 10 * 60_000 },
  ) {}

  subscribe(bus: EventBus): () => void {
    const offs = [
      bus.on('access.granted', (e) => this.begin(e.requestId, e.network).span.setAttribute(Attr.Member, e.memberAddress)),
      bus.on('access.denied', (e) => this.denied(e)),
      bus.on('request.received', (e) => {
        this.begin(e.requestId, e.network).span.setAttributes({ [Attr.BatchSize]: e.batchSize, [Attr.HttpRequestBodySize]: e.bytes });
      }),
      bus.on('cache.lookup', (e) => this.cacheLookup(e)),
      bus.on('upstream.attempt', (e) => this.attempt(e)),
      bus.on('upstream.failover', (e) => this.failover(e)),
      bus.on('upstream.exhausted', (e) => this.exhausted(e)),
      bus.on('request.completed', (e) => this.complete(e)),
    ];
    return () => offs.forEach((off) => off());
  }

  /** The ids of a request's server span while it is open, for log correlation. */
  ids(requestId: string): TraceIds | undefined {
    const open = this.open.get(requestId);
    if (!open) return undefined;
    const { traceId, spanId } = open.span.spanContext();
    return { traceId, spanId };
  }

  /** Ends every span still open (shutdown), so none is lost unexported. */
  endAll(): void {
    for (const requestId of [...this.open.keys()]) this.abandon(requestId);
  }

  private begin(requestId: string, network: Network, startTime?: number): OpenRequest {
    const existing = this.open.get(requestId);
    if (existing) return existing;
    this.evict();
    const span = this.tracer.startSpan(
      `POST /api/:key/${network}`,
      {
        kind: SpanKind.SERVER,
        ...(startTime === undefined ? {} : { startTime }),
        attributes: {
          [Attr.HttpRequestMethod]: 'POST',
          [Attr.HttpRoute]: `/api/:key/${network}`,
          [Attr.RpcSystem]: 'jsonrpc',
          [Attr.Network]: network,
          [Attr.RequestId]: requestId,
        },
      },
      ROOT_CONTEXT,
    );
    const open: OpenRequest = { span, ctx: trace.setSpan(ROOT_CONTEXT, span), openedAt: Date.now(), denied: false };
    this.open.set(requestId, open);
    return open;
  }

  private denied(e: EventOf<'access.denied'>): void {
    const open = this.begin(e.requestId, e.network);
    open.denied = true;
    open.span.setAttribute(Attr.DenyReason, e.reason);
    open.span.addEvent(SpanEventName.AccessDenied, { [Attr.DenyReason]: e.reason });
  }

  private cacheLookup(e: EventOf<'cache.lookup'>): void {
    this.open.get(e.requestId)?.span.addEvent(SpanEventName.CacheLookup, {
      [Attr.RpcMethod]: safeText(e.method, 64),
      [Attr.CacheResult]: e.result,
      ...(e.tier === undefined ? {} : { [Attr.CacheTier]: safeText(e.tier, 32) }),
    });
  }

  private attempt(e: EventOf<'upstream.attempt'>): void {
    const open = this.open.get(e.requestId);
    if (!open) return; // an attempt outside a member request (a probe): not traced
    const method = safeText(e.method, 64);
    const startTime = Number.isFinite(e.startTime) ? e.startTime : Date.now();
    const durationMs = Number.isFinite(e.durationMs) && e.durationMs >= 0 ? e.durationMs : 0;
    const span = this.tracer.startSpan(
      method,
      {
        kind: SpanKind.CLIENT,
        startTime,
        attributes: {
          [Attr.RpcSystem]: 'jsonrpc',
          [Attr.RpcMethod]: method,
          [Attr.ServerAddress]: e.node,
          [Attr.Network]: e.network,
          [Attr.Node]: e.node,
          [Attr.Attempt]: e.attempt,
          [Attr.Outcome]: e.outcome,
          ...(e.errorCode === undefined ? {} : { [Attr.RpcJsonrpcErrorCode]: e.errorCode }),
          ...(e.httpStatus === undefined ? {} : { [Attr.HttpResponseStatusCode]: e.httpStatus }),
        },
      },
      open.ctx,
    );
    if (e.outcome !== 'ok') {
      span.setAttribute(Attr.ErrorType, e.outcome);
      span.setStatus({ code: SpanStatusCode.ERROR, message: e.detail === undefined ? e.outcome : safeText(e.detail, 200) });
    }
    span.end(startTime + durationMs);
  }

  private failover(e: EventOf<'upstream.failover'>): void {
    this.open.get(e.requestId)?.span.addEvent(SpanEventName.Failover, {
      [Attr.RpcMethod]: safeText(e.method, 64),
      [Attr.FailoverFrom]: e.from,
      [Attr.FailoverTo]: e.to,
      [Attr.FailoverReason]: e.reason,
    });
  }

  private exhausted(e: EventOf<'upstream.exhausted'>): void {
    this.open.get(e.requestId)?.span.addEvent(SpanEventName.Exhausted, {
      [Attr.RpcMethod]: safeText(e.method, 64),
      [Attr.Attempts]: e.attempts,
      [Attr.ExhaustedReason]: e.reason,
    });
  }

  private complete(e: EventOf<'request.completed'>): void {
    const now = Date.now();
    const open = this.open.get(e.requestId) ?? this.begin(e.requestId, e.network, now - (Number.isFinite(e.durationMs) ? Math.max(0, e.durationMs) : 0));
    this.open.delete(e.requestId);
    const span = open.span;
    span.setAttributes({
      [Attr.RpcMethod]: safeText(e.method, 64),
      [Attr.HttpResponseStatusCode]: e.httpStatus,
      [Attr.Outcome]: requestOutcome(e, open.denied),
      ...(e.errorCode === undefined ? {} : { [Attr.RpcJsonrpcErrorCode]: e.errorCode }),
      ...(e.memberAddress === undefined ? {} : { [Attr.Member]: e.memberAddress }),
    });
    if (isGatewayFailure(e)) {
      span.setAttribute(Attr.ErrorType, e.errorCode === undefined ? String(e.httpStatus) : String(e.errorCode));
      span.setStatus({ code: SpanStatusCode.ERROR });
    }
    span.end(now);
  }

  private evict(): void {
    const now = Date.now();
    for (const [requestId, open] of this.open) {
      if (this.open.size < this.limits.maxOpen && now - open.openedAt <= this.limits.maxAgeMs) break;
      this.abandon(requestId); // insertion order: the oldest first
    }
  }

  private abandon(requestId: string): void {
    const open = this.open.get(requestId);
    if (!open) return;
    this.open.delete(requestId);
    open.span.setAttribute(Attr.Abandoned, true);
    open.span.end();
  }
}
