// Turns request events into spans: one SERVER span per traced HTTP request, one CLIENT child span per
// upstream attempt, span events for cache lookups, failovers, hedges, exhaustion and denials. While a request is
// open only a plain record is kept; its completion decides (traceSampling.ts) whether spans are built,
// retroactively with the times things happened. An untraced request creates no SDK object at all.
// The completion is handed in by telemetry/index.ts (complete), which passes the decision on to the log line.
import type { Tracer } from '@opentelemetry/api';
import { SpanStatusCode } from '@opentelemetry/api';
import type { EventBus, EventOf } from '../events.ts';
import type { Network } from '../common/network.ts';
import { isGatewayFailure, requestOutcome, safeText } from './requestOutcome.ts';
import { addStep, newRecord, recordIds, replayRequest, type RequestRecord } from './requestTrace.ts';
import { Attr } from './spanAttributes.ts';
import { ServerSpanIdGenerator, type TraceIds } from './traceIds.ts';
import { DEFAULT_TRACE_SAMPLING, shouldTrace, type TraceSampling } from './traceSampling.ts';

export type { TraceIds } from './traceIds.ts';

export interface RequestSpanLimits {
  /** Requests open at once; beyond it the oldest is dropped, or ended as abandoned if it qualifies for a trace. */
  maxOpen: number;
  /** A request still open after this is dropped or ended as abandoned (its completion never came). */
  maxAgeMs: number;
}

export class RequestSpans {
  private readonly open = new Map<string, RequestRecord>();

  constructor(
    private readonly tracer: Tracer,
    private readonly limits: RequestSpanLimits = { maxOpen: 10_000, maxAgeMs: 10 * 60_000 },
    private readonly sampling: TraceSampling = DEFAULT_TRACE_SAMPLING,
    /** The tracer's provider must use this generator for the server span to carry the ids logged while it was open. */
    private readonly idGenerator: ServerSpanIdGenerator = new ServerSpanIdGenerator(),
  ) {}

  /** Follows open requests; their completion comes through complete(). */
  subscribe(bus: EventBus): () => void {
    const offs = [
      bus.on('access.granted', (e) => void (this.begin(e.requestId, e.network).member = e.memberAddress)),
      bus.on('access.denied', (e) => {
        const record = this.begin(e.requestId, e.network);
        record.denyReason = e.reason;
        addStep(record, e);
      }),
      bus.on('request.received', (e) => {
        const record = this.begin(e.requestId, e.network);
        record.batchSize = e.batchSize;
        record.bytes = e.bytes;
      }),
      // Lookups and attempts outside an open member request (probes) are not traced.
      bus.on('cache.lookup', (e) => this.step(e)),
      bus.on('upstream.attempt', (e) => this.step(e)),
      bus.on('upstream.failover', (e) => this.step(e, true)),
      bus.on('upstream.hedge', (e) => this.step(e, true)),
      bus.on('upstream.exhausted', (e) => this.step(e, true)),
    ];
    return () => offs.forEach((off) => off());
  }

  /** For log correlation while a request is open: its trace and server span ids. */
  ids(requestId: string): TraceIds | undefined {
    const record = this.open.get(requestId);
    return record ? recordIds(record) : undefined;
  }

  /** Ends every request still open (shutdown) as abandoned if it qualifies, so none is lost unexported. */
  endAll(): void {
    for (const requestId of [...this.open.keys()]) this.abandon(requestId);
  }

  private begin(requestId: string, network: Network, startedAt = Date.now()): RequestRecord {
    const existing = this.open.get(requestId);
    if (existing) return existing;
    this.evict();
    const record = newRecord(network, startedAt);
    this.open.set(requestId, record);
    return record;
  }

  private step(e: RequestStepEvent, troubles = false): void {
    const record = this.open.get(e.requestId);
    if (!record) return;
    addStep(record, e);
    if (troubles) record.troubled = true;
  }

  /** Decides whether the completed request is traced and builds its spans if so; returns their ids, or undefined. */
  complete(e: EventOf<'request.completed'>): TraceIds | undefined {
    const now = Date.now();
    const durationMs = Number.isFinite(e.durationMs) ? Math.max(0, e.durationMs) : undefined;
    const record = this.open.get(e.requestId) ?? newRecord(e.network, now - (durationMs ?? 0));
    this.open.delete(e.requestId);
    const denied = record.denyReason !== undefined;
    const outcome = requestOutcome(e, denied);
    const traced = shouldTrace(this.sampling, { outcome, troubled: record.troubled, durationMs: durationMs ?? now - record.startedAt });
    if (!traced) return undefined;
    // From the HTTP request's arrival when its duration is known, never after the first event seen.
    const startTime = durationMs === undefined ? record.startedAt : Math.min(record.startedAt, now - durationMs);
    const span = replayRequest(this.tracer, this.idGenerator, e.requestId, record, startTime);
    span.setAttribute(Attr.RpcMethod, safeText(e.method, 64));
    span.setAttribute(Attr.HttpResponseStatusCode, e.httpStatus);
    span.setAttribute(Attr.Outcome, outcome);
    if (e.errorCode !== undefined) span.setAttribute(Attr.RpcJsonrpcErrorCode, e.errorCode);
    if (e.memberAddress !== undefined) span.setAttribute(Attr.Member, e.memberAddress);
    if (isGatewayFailure(e)) {
      span.setAttribute(Attr.ErrorType, e.errorCode === undefined ? String(e.httpStatus) : String(e.errorCode));
      span.setStatus({ code: SpanStatusCode.ERROR });
    }
    span.end(now);
    const { traceId, spanId } = span.spanContext();
    return { traceId, spanId };
  }

  private evict(): void {
    const now = Date.now();
    for (const [requestId, record] of this.open) {
      if (this.open.size < this.limits.maxOpen && now - record.startedAt <= this.limits.maxAgeMs) break;
      this.abandon(requestId); // insertion order: the oldest first
    }
  }

  /** A request whose completion never came: dropped, or ended as abandoned when it would have been traced. */
  private abandon(requestId: string): void {
    const record = this.open.get(requestId);
    if (!record) return;
    this.open.delete(requestId);
    const now = Date.now();
    const outcome = record.denyReason === undefined ? 'ok' : 'denied';
    if (!shouldTrace(this.sampling, { outcome, troubled: record.troubled, durationMs: now - record.startedAt })) return;
    const span = replayRequest(this.tracer, this.idGenerator, requestId, record, record.startedAt);
    span.setAttribute(Attr.Abandoned, true);
    span.end(now);
  }
}

type RequestStepEvent = EventOf<'cache.lookup' | 'upstream.attempt' | 'upstream.failover' | 'upstream.hedge' | 'upstream.exhausted'>;
