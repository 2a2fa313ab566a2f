// The first middleware of the JSON-RPC route: which network, a request id and a timer, the answer when anything
// below throws (a JSON-RPC error chosen here, at the edge), and the completion event, always, in a finally.
import { randomUUID } from 'node:crypto';
import { GatewayError } from '../common/errors.ts';
import type { Network } from '../common/network.ts';
import type { Emitter, InternalErrorEvent } from '../common/bus.ts';
import type { HttpEvent } from './events.ts';
import { asRpcError } from '../rpc/errors.ts';
import { NULL_ID, renderError } from '../rpc/types.ts';
import type { NetworkService } from './networks.ts';
import { json, notFound } from './respond.ts';
import type { RpcMiddleware, RpcRequest } from './rpcState.ts';

export function requestContext(bus: Emitter<HttpEvent | InternalErrorEvent>, networks: Partial<Record<Network, NetworkService>>): RpcMiddleware {
  return async (ctx, next) => {
    const network = ctx.params.network;
    if (network !== 'l1' && network !== 'l2') return notFound(ctx);
    const service = networks[network];
    if (!service) return notFound(ctx);
    const request: RpcRequest = { id: randomUUID(), network, service, started: performance.now(), method: 'invalid' };
    ctx.state.request = request;
    try {
      await next();
    } catch (err) {
      const error = asRpcError(err);
      request.errorCode = error.code;
      // JSON-RPC errors travel with 200; a refused body is HTTP's business, and the connection is not reused.
      ctx.status = error.kind === 'too_large' ? 413 : 200;
      if (ctx.status === 413) ctx.set('Connection', 'close');
      json(ctx, renderError(NULL_ID, error.toJsonRpc()));
      if (!(err instanceof GatewayError)) {
        bus.emit({ type: 'gateway.error', where: 'http.rpc', message: err instanceof Error ? `${err.name}: ${err.message}` : String(err) });
      }
    } finally {
      const member = ctx.state.member;
      bus.emit({
        type: 'request.completed',
        requestId: request.id,
        network,
        method: request.method,
        httpStatus: ctx.status,
        ...(request.errorCode === undefined ? {} : { errorCode: request.errorCode }),
        durationMs: performance.now() - request.started,
        ...(member ? { memberAddress: member.address, keyId: member.keyId } : {}),
      });
    }
  };
}
