// Small answers every route gives the same way.
import type { Context } from 'koa';
import type { RpcExchange } from './rpcState.ts';

/** Where to send members: what a 404 lists. */
const ENDPOINTS = ['POST /api/<API_KEY>/l2', 'POST /api/<API_KEY>/l1', 'GET /status', 'GET /healthz', 'GET /readyz'];
export const NOT_FOUND_BODY = JSON.stringify({ error: 'not found', endpoints: ENDPOINTS });

/** The JSON-RPC endpoint's answer: a JSON text with the exchange's status. */
export function json(x: RpcExchange, body: string): void {
  x.body = body;
}

export function notFound(ctx: Context): void {
  ctx.status = 404;
  ctx.type = 'application/json';
  ctx.body = NOT_FOUND_BODY;
}

/** Sets a header on the exchange's answer. */
export function setHeader(x: RpcExchange, name: string, value: string): void {
  (x.headers ??= {})[name] = value;
}
