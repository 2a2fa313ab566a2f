// The body steps of the JSON-RPC route: refuse a declared oversize body before anything else (whatever the key),
// read the body within the limit, then answer it as JSON-RPC (a single call or a batch).
import type { RpcEmitter } from '../rpc/handler.ts';
import { handleRpcBody } from '../rpc/handler.ts';
import type { MethodPolicy } from '../rpc/methodPolicy.ts';
import { BodyTooLargeError, declaredOver, readBody } from './body.ts';
import { json } from './respond.ts';
import type { RpcMiddleware } from './rpcState.ts';

/** A Content-Length over the limit is refused with 413 at once: the key is not even looked at. */
export function bodyLimit(maxBodyBytes: number): RpcMiddleware {
  return async (ctx, next) => {
    if (declaredOver(ctx.req, maxBodyBytes)) throw new BodyTooLargeError(maxBodyBytes);
    await next();
  };
}

export function rpcBody(maxBodyBytes: number): RpcMiddleware {
  return async (ctx, next) => {
    ctx.state.body = await readBody(ctx.req, maxBodyBytes);
    await next();
  };
}

export function jsonRpc(bus: RpcEmitter, policy: MethodPolicy, maxBatch: number): RpcMiddleware {
  return async (ctx) => {
    const { request } = ctx.state;
    const reply = await handleRpcBody(ctx.state.body ?? '', {
      network: request.network,
      requestId: request.id,
      bus,
      caller: request.service.caller,
      policy,
      maxBatch,
    });
    request.method = reply.method;
    request.errorCode = reply.errorCode;
    if (reply.body === null) {
      ctx.status = 204; // only notifications: JSON-RPC sends nothing back
      return;
    }
    json(ctx, reply.body);
  };
}
