// POST /api/<key>/<network>: the members' JSON-RPC endpoint, as a chain of small named middleware. Each one
// does one step and leaves its result on ctx.state (rpcState.ts); a step inserted here sees all before it.
// The body limit comes before the key check: a refused body is never read, whoever sends it.
import Router from '@koa/router';
import type { Network } from '../common/network.ts';
import { RateLimiter, type ClientLimiter } from '../common/rateLimit.ts';
import type { AccessEvent } from '../access/events.ts';
import type { Emitter, InternalErrorEvent } from '../common/bus.ts';
import type { RpcEvent } from '../rpc/events.ts';
import type { HttpEvent } from './events.ts';
import { MethodNotFoundError } from '../rpc/errors.ts';
import { methodPolicy } from '../rpc/methodPolicy.ts';
import { NULL_ID, renderError } from '../rpc/types.ts';
import { apiKey, type AccessCheck } from './apiKey.ts';
import { bodyLimit, jsonRpc, rpcBody } from './jsonRpc.ts';
import type { NetworkService } from './networks.ts';
import { requestContext } from './requestContext.ts';
import { json } from './respond.ts';
import type { RpcState } from './rpcState.ts';
import { unknownKeyLimit } from './unknownKeyLimit.ts';

export interface RpcRouteOptions {
  bus: Emitter<HttpEvent | AccessEvent | RpcEvent | InternalErrorEvent>;
  access: AccessCheck;
  networks: Partial<Record<Network, NetworkService>>;
  /** Method patterns refused before any node sees them (`prefix_*` or exact names), and exceptions to them. */
  methods: { deny: readonly string[]; allow: readonly string[] };
  limits: { maxBodyBytes: number; maxBatch: number };
  /** Requests with unknown keys per client IP (each costs a database query). */
  unknownKeys: { perMinute: number; burst: number };
  /** Counts them instead of this process's own buckets (replicas share one count). */
  unknownKeyLimiter?: ClientLimiter;
  /** Take the client IP from X-Forwarded-For (a reverse proxy in front). */
  trustProxy: boolean;
}

export function rpcRouter(o: RpcRouteOptions): Router<RpcState> {
  const router = new Router<RpcState>();
  router.post(
    '/api/:key/:network',
    requestContext(o.bus, o.networks),
    bodyLimit(o.limits.maxBodyBytes),
    unknownKeyLimit(o.unknownKeyLimiter ?? new RateLimiter(o.unknownKeys), o.access, o.bus, o.trustProxy),
    apiKey(o.access, o.bus),
    rpcBody(o.limits.maxBodyBytes),
    jsonRpc(o.bus, methodPolicy(o.methods.deny, o.methods.allow), o.limits.maxBatch),
  );
  router.all('/api/:key/:network', (ctx) => {
    ctx.status = 405;
    ctx.set('Allow', 'POST');
    json(ctx, renderError(NULL_ID, new MethodNotFoundError(ctx.method, 'is not supported here: send JSON-RPC with POST').toJsonRpc()));
  });
  return router;
}
