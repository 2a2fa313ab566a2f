// Small answers every route gives the same way.
import type { Context } from 'koa';

export function json(ctx: Context, body: string): void {
  ctx.type = 'application/json';
  ctx.body = body;
}

export function notFound(ctx: Context): void {
  ctx.status = 404;
  ctx.body = { error: 'not found', endpoints: ['POST /api/<API_KEY>/l2', 'POST /api/<API_KEY>/l1', 'GET /status', 'GET /healthz', 'GET /readyz'] };
}
