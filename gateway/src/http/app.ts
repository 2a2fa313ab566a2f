// The HTTP server's request listener: the JSON-RPC endpoint on node:http directly (rpcRoute.ts), and the Koa
// application for every other path: the routers gateway.ts gives it (health and status, the portal), behind one
// error boundary, with a 404 that lists the endpoints.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type Router from '@koa/router';
import Koa, { type Context, type Next } from 'koa';
import type { Emitter, InternalErrorEvent } from '../common/bus.ts';
import { isLingering, lingeringClose } from './body.ts';
import type { ActiveRequests } from './activeRequests.ts';
import { notFound } from './respond.ts';
import type { RpcEndpoint } from './rpcRoute.ts';

export interface AppOptions {
  bus: Emitter<InternalErrorEvent>;
  /** Mounted in order; the first route that matches answers. */
  routers: ReadonlyArray<Router<any>>; // eslint-disable-line @typescript-eslint/no-explicit-any -- each router has its own state type
  /** The most of a request body a route may take: no more of it is read, whether the route reads it or not. */
  bodyLimit(path: string): number;
  /** While true, every answer tells the client to close its connection (the gateway is draining). */
  draining?: () => boolean;
  /** Counts the requests being handled, for a drain to wait on. */
  active?: ActiveRequests;
}

/** The listener for node:http's createServer: the endpoint's paths to it, the rest to the app. */
export function requestListener(endpoint: RpcEndpoint, app: Koa): (req: IncomingMessage, res: ServerResponse) => void {
  const koa = app.callback();
  return (req, res) => {
    // A request pipelined behind a body the gateway answered unread: its connection is closing, it is not served.
    if (isLingering(req.socket)) return;
    if (!endpoint.handle(req, res)) void koa(req, res);
  };
}

export function createApp(o: AppOptions): Koa {
  const app = new Koa({ proxy: false });
  app.silent = true; // our own error middleware reports; Koa's default would print stacks with request details
  if (o.active) {
    const active = o.active;
    app.use(async (_ctx, next) => {
      active.enter();
      try {
        await next();
      } finally {
        active.leave();
      }
    });
  }
  app.use(errorBoundary(o.bus));
  if (o.draining) {
    const draining = o.draining;
    app.use(async (ctx, next) => {
      try {
        await next();
      } finally {
        // Decided when answering, not when the request arrived: a call in flight when the drain began closes too,
        // so keep-alive clients reconnect elsewhere and no connection outlives the drain.
        if (draining() && !ctx.headerSent) ctx.set('Connection', 'close');
      }
    });
  }
  app.use(unreadBodyLimit(o.bodyLimit));
  for (const router of o.routers) {
    app.use(router.routes());
    app.use(router.allowedMethods());
  }
  app.use((ctx) => notFound(ctx));
  return app;
}

/** A body the route did not read (a refused key, a route without a body) closes the connection, read at most to the limit. */
function unreadBodyLimit(limitOf: (path: string) => number) {
  return async (ctx: Context, next: Next) => {
    try {
      await next();
    } finally {
      if (!ctx.req.complete) lingeringClose(ctx.req, ctx.res, limitOf(ctx.path));
    }
  };
}

/** Nothing escapes as a stack or a message that could carry request details. */
function errorBoundary(bus: Emitter<InternalErrorEvent>) {
  return async (ctx: Context, next: Next) => {
    try {
      await next();
    } catch (err) {
      ctx.status = err instanceof URIError ? 400 : 500;
      ctx.body = { error: ctx.status === 400 ? 'bad request' : 'internal error' };
      if (ctx.status === 500) bus.emit({ type: 'gateway.error', where: 'http', message: err instanceof Error ? `${err.name}: ${err.message}` : String(err) });
    }
  };
}
