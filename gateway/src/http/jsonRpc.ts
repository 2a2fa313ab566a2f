// The last two middleware of the JSON-RPC route: read the body within the size limit, then answer it as
// JSON-RPC (a single call or a batch), recording what was called for the completion event.
import type { RpcEmitter } from '../rpc/handler.ts';
import { handleRpcBody } from '../rpc/handler.ts';
import type { MethodPolicy } from '../rpc/methodPolicy.ts';
import { readBody } from './body.ts';
import { json } from './respond.ts';
import type { RpcMiddleware } from './rpcState.ts';

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
