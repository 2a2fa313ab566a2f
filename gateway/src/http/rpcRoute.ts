// POST /api/<key>/<network>: the members' JSON-RPC endpoint, as a chain of small named steps. Each one does one
// step and leaves its result on the exchange's state (rpcState.ts); a step inserted here sees all before it.
// The body limit comes before the key check: a refused body is never read, whoever sends it.
//
// The endpoint answers on node:http directly, in front of the Koa app that serves every other path: it is the
// hot path, and Koa's context objects, router and response logic cost more than the rest of a cache hit
// (docs/BENCHMARKS.md). Everything the app does for a request, the endpoint does too: the drain's
// Connection: close, the count of requests in flight, the bound on an unread body, the error boundary.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Network } from '../common/network.ts';
import { RateLimiter, type ClientLimiter } from '../common/rateLimit.ts';
import type { AccessEvent } from '../access/events.ts';
import type { Emitter, InternalErrorEvent } from '../common/bus.ts';
import type { RpcEvent } from '../rpc/events.ts';
import type { HttpEvent } from './events.ts';
import { MethodNotFoundError } from '../rpc/errors.ts';
import { methodPolicy } from '../rpc/methodPolicy.ts';
import { NULL_ID, renderError } from '../rpc/types.ts';
import type { ActiveRequests } from './activeRequests.ts';
import { apiKey, type AccessCheck } from './apiKey.ts';
import { lingeringClose } from './body.ts';
import { bodyLimit, jsonRpc, rpcBody } from './jsonRpc.ts';
import type { NetworkService } from './networks.ts';
import { requestContext } from './requestContext.ts';
import { chain, type RpcExchange, type RpcState } from './rpcState.ts';
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
  /** While true, every answer tells the client to close its connection (the gateway is draining). */
  draining?: () => boolean;
  /** Counts the requests being handled, for a drain to wait on. */
  active?: ActiveRequests;
}

export interface RpcEndpoint {
  /** Answers the request when its path is the endpoint's (true); leaves it alone otherwise (false). */
  handle(req: IncomingMessage, res: ServerResponse): boolean;
}

const JSON_TYPE = 'application/json; charset=utf-8';

export function rpcEndpoint(o: RpcRouteOptions): RpcEndpoint {
  const run = chain([
    requestContext(o.bus, o.networks),
    bodyLimit(o.limits.maxBodyBytes),
    unknownKeyLimit(o.unknownKeyLimiter ?? new RateLimiter(o.unknownKeys), o.access, o.bus, o.trustProxy),
    apiKey(o.access, o.bus),
    rpcBody(o.limits.maxBodyBytes),
    jsonRpc(o.bus, methodPolicy(o.methods.deny, o.methods.allow), o.limits.maxBatch),
  ]);
  const { bus, active, draining } = o;
  const maxBody = o.limits.maxBodyBytes;

  const finish = (x: RpcExchange) => {
    const { req, res } = x;
    if (res.headersSent || res.destroyed) return;
    const headers: Record<string, string | number> = { ...x.headers };
    // Decided when answering, not when the request arrived: a call in flight when the drain began closes too.
    // A body nobody read (a refused key) closes the connection, and is read at most to the limit meanwhile.
    if (draining?.()) headers.Connection = 'close';
    if (!req.complete) lingeringClose(req, res, maxBody);
    if (x.body !== undefined && x.status !== 204) {
      headers['Content-Type'] = JSON_TYPE;
      headers['Content-Length'] = Buffer.byteLength(x.body);
      res.writeHead(x.status, headers);
      res.end(x.body);
    } else {
      res.writeHead(x.status, headers);
      res.end();
    }
  };

  const serve = async (x: RpcExchange) => {
    active?.enter();
    try {
      if (x.req.method === 'POST') await run(x);
      else {
        await undefined; // answered after the parser has seen the whole request, so a bodyless one keeps its connection
        x.status = 405;
        x.headers = { Allow: 'POST' };
        x.body = renderError(NULL_ID, new MethodNotFoundError(x.req.method ?? '', 'is not supported here: send JSON-RPC with POST').toJsonRpc());
      }
    } catch (err) {
      // The error boundary: nothing escapes as a stack or a message that could carry request details.
      x.status = 500;
      x.body = '{"error":"internal error"}';
      bus.emit({ type: 'gateway.error', where: 'http', message: err instanceof Error ? `${err.name}: ${err.message}` : String(err) });
    } finally {
      try {
        finish(x);
      } finally {
        active?.leave();
      }
    }
  };

  return {
    handle(req, res) {
      const path = endpointPath(req.url);
      if (!path) return false;
      const x: RpcExchange = { req, res, key: path.key, network: path.network, state: {} as RpcState, status: 200 };
      void serve(x);
      return true;
    },
  };
}

/**
 * The key and network of /api/<key>/<network> (one optional trailing slash, any query, /api in any case, the
 * segments percent-decoded), or undefined for any other path.
 */
export function endpointPath(url: string | undefined): { key: string; network: string } | undefined {
  if (url === undefined || url.length < 8 || url.charCodeAt(0) !== 47 /* / */) return undefined;
  const head = url.slice(0, 5);
  if (head !== '/api/' && head.toLowerCase() !== '/api/') return undefined;
  const q = url.indexOf('?');
  let rest = q === -1 ? url.slice(5) : url.slice(5, q);
  if (rest.endsWith('/')) rest = rest.slice(0, -1);
  const slash = rest.indexOf('/');
  if (slash <= 0 || slash === rest.length - 1 || rest.indexOf('/', slash + 1) !== -1) return undefined;
  return { key: decode(rest.slice(0, slash)), network: decode(rest.slice(slash + 1)) };
}

function decode(segment: string): string {
  if (!segment.includes('%')) return segment;
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment; // as the router did: a segment that does not decode is taken as written
  }
}
