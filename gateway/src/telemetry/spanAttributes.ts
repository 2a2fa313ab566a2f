// Span attribute and event names, in one place (documented in docs/METRICS.md, section Traces).
// Standard semantic-convention names where one exists; ours share the `gateway.` prefix.

export const Attr = {
  // OpenTelemetry semantic conventions
  RpcSystem: 'rpc.system',
  RpcMethod: 'rpc.method',
  RpcJsonrpcErrorCode: 'rpc.jsonrpc.error_code',
  ServerAddress: 'server.address',
  ErrorType: 'error.type',
  HttpRequestMethod: 'http.request.method',
  HttpRoute: 'http.route',
  HttpResponseStatusCode: 'http.response.status_code',
  HttpRequestBodySize: 'http.request.body.size',
  // ours
  Network: 'gateway.network',
  RequestId: 'gateway.request_id',
  Member: 'gateway.member',
  BatchSize: 'gateway.batch_size',
  Outcome: 'gateway.outcome',
  DenyReason: 'gateway.deny_reason',
  Node: 'gateway.node',
  Attempt: 'gateway.attempt',
  Attempts: 'gateway.attempts',
  CacheResult: 'gateway.cache.result',
  CacheTier: 'gateway.cache.tier',
  FailoverFrom: 'gateway.failover.from',
  FailoverTo: 'gateway.failover.to',
  FailoverReason: 'gateway.failover.reason',
  ExhaustedReason: 'gateway.exhausted.reason',
  HedgeDelayMs: 'gateway.hedge.delay_ms',
  LastResort: 'gateway.last_resort',
  Abandoned: 'gateway.abandoned',
} as const;

export const SpanEventName = {
  CacheLookup: 'gateway.cache.lookup',
  Failover: 'gateway.failover',
  Hedge: 'gateway.hedge',
  Exhausted: 'gateway.upstream.exhausted',
  AccessDenied: 'gateway.access.denied',
} as const;
