// The body steps of the JSON-RPC endpoint: refuse a declared oversize body before anything else (whatever the
// key), read the body within the limit, then answer it as JSON-RPC (a single call or a batch).
import type { RpcEmitter } from '../rpc/handler.ts';
import { handleRpcBody } from '../rpc/handler.ts';
import type { MethodPolicy } from '../rpc/methodPolicy.ts';
import { BodyTooLargeError, declaredOver, readBody } from './body.ts';
import { json } from './respond.ts';
import type { RpcStep } from './rpcState.ts';

/** A Content-Length over the limit is refused with 413 at once: the key is not even looked at. */
export function bodyLimit(maxBodyBytes: number): RpcStep {
  return async (x, next) => {
    if (declaredOver(x.req, maxBodyBytes)) throw new BodyTooLargeError(maxBodyBytes);
    await next();
  };
}

export function rpcBody(maxBodyBytes: number): RpcStep {
  return async (x, next) => {
    x.state.body = await readBody(x.req, maxBodyBytes);
    await next();
  };
}

export function jsonRpc(bus: RpcEmitter, policy: MethodPolicy, maxBatch: number): RpcStep {
  return async (x) => {
    const { request, member } = x.state;
    const reply = await handleRpcBody(x.state.body ?? '', {
      network: request.network,
      requestId: request.id,
      ...(member ? { member: member.keyId } : {}),
      bus,
      caller: request.service.caller,
      policy,
      maxBatch,
    });
    request.method = reply.method;
    request.errorCode = reply.errorCode;
    if (reply.body === null) {
      x.status = 204; // only notifications: JSON-RPC sends nothing back
      return;
    }
    json(x, reply.body);
  };
}
