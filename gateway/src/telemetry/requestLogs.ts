// Turns events into log lines: one info line per completed request, warn lines for failovers,
// exhaustion, node health changes, reorgs and failed orchestrator syncs, error lines for store and internal errors.
import type { Logger } from 'pino';
import type { EventBus, EventOf } from '../events.ts';
import type { Network } from '../common/network.ts';
import { requestOutcome, safeText } from './requestOutcome.ts';
import type { RequestLogMode } from './config.ts';
import type { TraceIds } from './requestSpans.ts';

/** What the completed-request line reports beyond the completion event itself. */
interface RequestFacts {
  network: Network;
  seenAt: number;
  node?: string;
  cache?: string;
  denyReason?: string;
  attempts: number;
  hedges: number;
  calls: number;
  callErrors: number;
}

export interface RequestLogLimits {
  maxOpen: number;
  maxAgeMs: number;
}

export class RequestLogs {
  private readonly facts = new Map<string, RequestFacts>();

  constructor(
    private readonly log: Logger,
    /** The open server span of a request, when tracing is on. */
    private readonly traceIds: (requestId: string) => TraceIds | undefined = () => undefined,
    /** 'errors': a request answered ok leaves no line (metrics and traces count it); anything else does. */
    private readonly mode: RequestLogMode = 'all',
    private readonly limits: RequestLogLimits = { maxOpen: 10_000, maxAgeMs: 10 * 60_000 },
  ) {}

  /** Every line but the completed request's, which comes through completed() with its trace decision. */
  subscribe(bus: EventBus): () => void {
    const offs = [
      bus.on('access.denied', (e) => void (this.of(e.requestId, e.network).denyReason = e.reason)),
      bus.on('rpc.call', (e) => {
        const f = this.of(e.requestId, e.network);
        f.calls++;
        if (e.outcome === 'error') f.callErrors++;
      }),
      bus.on('cache.lookup', (e) => void (this.of(e.requestId, e.network).cache = e.result)),
      bus.on('upstream.attempt', (e) => this.attempt(e)),
      bus.on('upstream.hedge', (e) => void this.of(e.requestId, e.network).hedges++),
      bus.on('upstream.failover', (e) =>
        this.log.warn(
          { ...this.trace(e.requestId), request_id: e.requestId, network: e.network, method: safeText(e.method, 64), from: e.from, to: e.to, reason: e.reason },
          'upstream failover',
        ),
      ),
      bus.on('upstream.send', (e) => {
        if (e.answer === 'accepted') return; // the request's own line says it went through
        const fields = { ...this.trace(e.requestId), request_id: e.requestId, network: e.network, node: e.node, answer: e.answer, tx_hash: e.hash };
        // A send that may have arrived without an answer is sent again elsewhere: worth the operator's eye.
        if (e.answer === 'ambiguous') this.log.warn(fields, 'transaction send');
        else this.log.info(fields, 'transaction send');
      }),
      bus.on('upstream.exhausted', (e) =>
        this.log.warn(
          { ...this.trace(e.requestId), request_id: e.requestId, network: e.network, method: safeText(e.method, 64), attempts: e.attempts, reason: e.reason },
          'upstream exhausted',
        ),
      ),
      bus.on('node.health', (e) => {
        // Leaving rotation is a warning; joining it (at start-up, or back after a failure) is information.
        const fields = { network: e.network, node: e.node, healthy: e.healthy, reason: safeText(e.reason, 64), detail: e.detail === undefined ? undefined : safeText(e.detail, 300) };
        if (e.healthy) this.log.info(fields, 'node health changed');
        else this.log.warn(fields, 'node health changed');
      }),
      bus.on('chain.reorg', (e) =>
        this.log.warn({ network: e.network, node: e.node, height: e.height, old_hash: e.oldHash, new_hash: e.newHash }, 'chain reorg'),
      ),
      bus.on('orchestrators.sync', (e) =>
        e.outcome === 'ok'
          ? this.log.info({ source: e.source, count: e.count, duration_ms: ms(e.durationMs), next_sync_ms: e.nextSyncMs }, 'orchestrator sync')
          : this.log.warn(
              {
                source: e.source,
                count: e.count,
                duration_ms: ms(e.durationMs),
                consecutive_failures: e.consecutiveFailures,
                next_sync_ms: e.nextSyncMs,
                error: e.error === undefined ? undefined : safeText(e.error, 300),
              },
              'orchestrator sync failed',
            ),
      ),
      bus.on('signin.attempt', (e) => {
        const fields = { purpose: e.purpose, outcome: e.outcome, address: e.address, variant: e.variant, duration_ms: ms(e.durationMs) };
        // A member's own mistake is information for the operator; the database or a bug failing it is a warning.
        if (e.outcome === 'ok') this.log.info(fields, 'sign-in');
        else if (e.outcome === 'unavailable' || e.outcome === 'error') this.log.warn(fields, 'sign-in failed');
        else this.log.info(fields, 'sign-in refused');
      }),
      bus.on('store.error', (e) => this.log.error({ operation: e.operation, error: safeText(e.message, 500) }, 'store error')),
      bus.on('gateway.error', (e) => this.log.error({ where: e.where, error: safeText(e.message, 500) }, 'gateway error')),
    ];
    return () => offs.forEach((off) => off());
  }

  private attempt(e: EventOf<'upstream.attempt'>): void {
    const f = this.of(e.requestId, e.network);
    f.node = e.node;
    f.attempts++;
    if (!this.log.isLevelEnabled('debug')) return;
    this.log.debug(
      {
        ...this.trace(e.requestId),
        request_id: e.requestId,
        network: e.network,
        method: safeText(e.method, 64),
        node: e.node,
        attempt: e.attempt,
        outcome: e.outcome,
        duration_ms: ms(e.durationMs),
        error_code: e.errorCode,
        http_status: e.httpStatus,
        detail: e.detail === undefined ? undefined : safeText(e.detail, 200),
      },
      'upstream attempt',
    );
  }

  /** The completed request's line; `trace` carries the ids of its spans when it was traced. */
  completed(e: EventOf<'request.completed'>, trace?: TraceIds): void {
    const f = this.facts.get(e.requestId);
    this.facts.delete(e.requestId);
    const outcome = requestOutcome(e, f?.denyReason !== undefined);
    // An ok request is worth a line when it was troubled: hedged, or answered only after another attempt.
    const troubled = (f?.hedges ?? 0) > 0 || (f?.attempts ?? 0) > 1;
    if (this.mode === 'errors' && outcome === 'ok' && !f?.callErrors && !troubled) return;
    const batch = e.method === 'batch';
    this.log.info(
      {
        ...(trace ? { trace_id: trace.traceId, span_id: trace.spanId } : {}),
        request_id: e.requestId,
        network: e.network,
        method: safeText(e.method, 64),
        member: e.memberAddress,
        duration_ms: ms(e.durationMs),
        outcome,
        http_status: e.httpStatus,
        error_code: e.errorCode,
        deny_reason: f?.denyReason,
        node: f?.node,
        cache: f?.cache,
        attempts: f?.attempts || undefined,
        hedged: f?.hedges ? true : undefined,
        calls: batch ? f?.calls : undefined,
        call_errors: batch ? f?.callErrors : undefined,
      },
      'request completed',
    );
  }

  private trace(requestId: string): { trace_id?: string; span_id?: string } {
    const ids = this.traceIds(requestId);
    return ids ? { trace_id: ids.traceId, span_id: ids.spanId } : {};
  }

  private of(requestId: string, network: Network): RequestFacts {
    let f = this.facts.get(requestId);
    if (f) return f;
    const now = Date.now();
    // Bounded: a request whose completion never comes (or an attempt outside a request) ages out.
    for (const [id, old] of this.facts) {
      if (this.facts.size < this.limits.maxOpen && now - old.seenAt <= this.limits.maxAgeMs) break;
      this.facts.delete(id);
    }
    f = { network, seenAt: now, attempts: 0, hedges: 0, calls: 0, callErrors: 0 };
    this.facts.set(requestId, f);
    return f;
  }
}

function ms(durationMs: number): number {
  return Math.round(durationMs * 10) / 10;
}
