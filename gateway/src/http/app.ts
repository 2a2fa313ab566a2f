// The Koa application: the JSON-RPC endpoints members use, and the operator's health endpoints.
import { randomUUID } from 'node:crypto';
import Router from '@koa/router';
import Koa, { type Context, type Next } from 'koa';
import type { Config } from '../config.ts';
import type { DenyReason, EventBus } from '../events.ts';
import type { Network } from '../common/network.ts';
import { GatewayError } from '../common/errors.ts';
import { asRpcError, MethodNotFoundError, RpcCode } from '../rpc/errors.ts';
import { handleRpcBody, type Caller } from '../rpc/handler.ts';
import { methodPolicy } from '../rpc/methodPolicy.ts';
import { renderError } from '../rpc/types.ts';
import type { NodeStatus } from '../upstream/pool.ts';
import { readBody } from './body.ts';
import type { PortalDeps } from './portal.ts';
import { createPortalRouter } from './portalRouter.ts';
import { clientIp } from './portalHttp.ts';
import { RateLimiter } from '../common/rateLimit.ts';

export type KeyCheck = { ok: true; keyId: string; memberAddress: string } | { ok: false; reason: DenyReason };

export interface AccessCheck {
  resolve(key: string): Promise<KeyCheck>;
  /** Whether the key checked out as valid recently, answered without a query. */
  knownValid?(key: string): boolean;
  /** One request made with this key on this network (last use and usage counts, written in batches). */
  touch(keyId: string, network: Network): void;
}


export interface NetworkService {
  caller: Caller;
  status(): NodeStatus[];
  healthyCount(): number;
  head(): { number: number; hash: string; finalized?: number } | undefined;
}

export interface AppDeps {
  config: Config;
  bus: EventBus;
  access: AccessCheck;
  networks: Partial<Record<Network, NetworkService>>;
  database: { ping(): Promise<boolean>; kind: string };
  version: string;
  /** Sign-in endpoints and member portal pages; absent, only the API and health endpoints are served. */
  portal?: Pick<PortalDeps, 'nonces' | 'sessions' | 'members'>;
}

/** What a refused key gets: an HTTP status, and a JSON-RPC error body (EIP-1474 codes). */
const DENIAL: Record<DenyReason, { status: number; code: number; message: string }> = {
  unknown_key: { status: 401, code: RpcCode.ResourceNotFound, message: 'Unknown API key. Get one at the gateway portal or from its operator.' },
  revoked_key: { status: 401, code: RpcCode.ResourceNotFound, message: 'This API key was revoked. Get a new one at the gateway portal.' },
  inactive_member: {
    status: 403,
    code: RpcCode.ResourceNotFound,
    message: 'This API key belongs to an address that is no longer an active orchestrator.',
  },
  access_unavailable: {
    status: 503,
    code: RpcCode.ResourceUnavailable,
    message: 'The key check is unavailable right now (database unreachable); retry shortly.',
  },
  unknown_key_rate: {
    status: 429,
    code: RpcCode.LimitExceeded,
    message: 'Too many requests with unknown API keys from your address; check the key in your URL (-ethUrl) and retry in a minute.',
  },
};

export function createApp(deps: AppDeps): Koa {
  const app = new Koa({ proxy: false });
  app.silent = true; // our own error middleware reports; Koa's default would print stacks with request details
  const router = new Router();
  const policy = methodPolicy(deps.config.methods.deny, deps.config.methods.allow);
  // Each unknown key costs a database query; a client that keeps sending them is refused before the query.
  const unknownKeys = new RateLimiter({ perMinute: deps.config.access.unknownKeyPerMinute, burst: deps.config.access.unknownKeyBurst });

  router.post('/api/:key/:network', async (ctx) => {
    const network = ctx.params.network as Network;
    const service = network === 'l1' || network === 'l2' ? deps.networks[network] : undefined;
    if (!service) return notFound(ctx);
    await serveRpc(ctx, network, service, ctx.params.key ?? '');
  });
  router.all('/api/:key/:network', (ctx) => {
    ctx.status = 405;
    ctx.set('Allow', 'POST');
    json(ctx, renderError(null, new MethodNotFoundError(ctx.method, 'is not supported here: send JSON-RPC with POST').toJsonRpc()));
  });

  router.get('/healthz', (ctx) => {
    ctx.body = { status: 'ok' };
  });

  router.get('/readyz', async (ctx) => {
    const problems: string[] = [];
    const dbOk = await deps.database.ping().catch(() => false);
    if (!dbOk) problems.push('database unreachable');
    for (const [network, service] of Object.entries(deps.networks)) {
      if (service.healthyCount() === 0) problems.push(`${network}: no healthy node`);
    }
    ctx.status = problems.length ? 503 : 200;
    ctx.body = { ready: problems.length === 0, problems };
  });

  router.get('/status', (ctx) => {
    const networks: Record<string, unknown> = {};
    for (const [network, service] of Object.entries(deps.networks)) {
      const head = service.head();
      networks[network] = {
        healthyNodes: service.healthyCount(),
        head: head?.number ?? null,
        finalized: head?.finalized ?? null,
        nodes: service.status(),
      };
    }
    ctx.body = { version: deps.version, database: deps.database.kind, networks };
  });

  app.use(errorBoundary(deps.bus));
  app.use(router.routes());
  app.use(router.allowedMethods());
  if (deps.portal) {
    const portal = createPortalRouter({ config: deps.config, bus: deps.bus, networks: deps.networks, ...deps.portal });
    app.use(portal.routes());
    app.use(portal.allowedMethods());
  }
  app.use((ctx) => notFound(ctx));

  async function serveRpc(ctx: Context, network: Network, service: NetworkService, key: string): Promise<void> {
    const requestId = randomUUID();
    const started = performance.now();
    let memberAddress: string | undefined;
    let keyId: string | undefined;
    let method = 'invalid';
    let errorCode: number | undefined;
    try {
      const client = clientIp(ctx, deps.config.portal.trustProxy);
      const waitMs = unknownKeys.wait(client);
      const limited = waitMs > 0 && !deps.access.knownValid?.(key);
      const check = limited
        ? ({ ok: false, reason: 'unknown_key_rate' } as const)
        : await deps.access.resolve(key).catch((): KeyCheck => ({ ok: false, reason: 'access_unavailable' }));
      if (!check.ok) {
        if (check.reason === 'unknown_key') unknownKeys.take(client);
        if (check.reason === 'unknown_key_rate') ctx.set('Retry-After', String(Math.ceil(waitMs / 1000)));
        deps.bus.emit({ type: 'access.denied', requestId, network, reason: check.reason });
        const denial = DENIAL[check.reason];
        errorCode = denial.code;
        ctx.status = denial.status;
        ctx.req.resume(); // not reading a refused request's body; let it drain
        json(ctx, renderError(null, { code: denial.code, message: denial.message }));
        return;
      }
      memberAddress = check.memberAddress;
      keyId = check.keyId;
      deps.access.touch(check.keyId, network);
      if (deps.bus.has('access.granted')) {
        deps.bus.emit({ type: 'access.granted', requestId, network, memberAddress, keyId });
      }
      const text = await readBody(ctx.req, deps.config.limits.maxBodyBytes);
      const reply = await handleRpcBody(text, {
        network,
        requestId,
        bus: deps.bus,
        caller: service.caller,
        policy,
        maxBatch: deps.config.limits.maxBatch,
      });
      method = reply.method;
      errorCode = reply.errorCode;
      if (reply.body === null) {
        ctx.status = 204; // only notifications: JSON-RPC sends nothing back
        return;
      }
      json(ctx, reply.body);
    } catch (err) {
      const error = asRpcError(err);
      errorCode = error.code;
      ctx.status = error.kind === 'too_large' ? 413 : 200; // JSON-RPC errors travel with 200; a refused body is the HTTP's business
      if (ctx.status === 413) ctx.set('Connection', 'close');
      json(ctx, renderError(null, error.toJsonRpc()));
      if (!(err instanceof GatewayError)) reportUnexpected(deps.bus, 'http.rpc', err);
    } finally {
      deps.bus.emit({
        type: 'request.completed',
        requestId,
        network,
        method,
        httpStatus: ctx.status,
        ...(errorCode === undefined ? {} : { errorCode }),
        durationMs: performance.now() - started,
        ...(memberAddress ? { memberAddress } : {}),
        ...(keyId ? { keyId } : {}),
      });
    }
  }

  return app;
}

function json(ctx: Context, body: string): void {
  ctx.type = 'application/json';
  ctx.body = body;
}

function notFound(ctx: Context): void {
  ctx.status = 404;
  ctx.body = { error: 'not found', endpoints: ['POST /api/<API_KEY>/l2', 'POST /api/<API_KEY>/l1', 'GET /status', 'GET /healthz', 'GET /readyz'] };
}

/** Nothing escapes as a stack or a message that could carry request details. */
function errorBoundary(bus: EventBus) {
  return async (ctx: Context, next: Next) => {
    try {
      await next();
    } catch (err) {
      ctx.status = err instanceof URIError ? 400 : 500;
      ctx.body = { error: ctx.status === 400 ? 'bad request' : 'internal error' };
      if (ctx.status === 500) reportUnexpected(bus, 'http', err);
    }
  };
}

function reportUnexpected(bus: EventBus, where: string, err: unknown): void {
  bus.emit({ type: 'gateway.error', where, message: err instanceof Error ? `${err.name}: ${err.message}` : String(err) });
}
