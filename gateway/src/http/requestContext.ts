// The first step of the JSON-RPC endpoint: which network, a request id and a timer, the answer when anything
// below throws (a JSON-RPC error chosen here, at the edge), and the completion event, always, in a finally.
import { randomBytes } from 'node:crypto';
import { GatewayError } from '../common/errors.ts';
import type { Network } from '../common/network.ts';
import type { Emitter, InternalErrorEvent } from '../common/bus.ts';
import type { HttpEvent, RequestCompletedEvent } from './events.ts';
import { asRpcError } from '../rpc/errors.ts';
import { NULL_ID, renderError } from '../rpc/types.ts';
import type { NetworkService } from './networks.ts';
import { json, NOT_FOUND_BODY, setHeader } from './respond.ts';
import type { RpcRequest, RpcStep } from './rpcState.ts';

// Request ids: a random prefix per process and a counter, unique across replicas and restarts without a random
// draw per request. They name a request in events and logs; they never come from the key.
const ID_PREFIX = randomBytes(9).toString('base64url');
let counter = 0;
export function nextRequestId(): string {
  return `${ID_PREFIX}-${(++counter).toString(36)}`;
}

export function requestContext(bus: Emitter<HttpEvent | InternalErrorEvent>, networks: Partial<Record<Network, NetworkService>>): RpcStep {
  return async (x, next) => {
    const network = x.network;
    const service = network === 'l1' || network === 'l2' ? networks[network] : undefined;
    if (!service) {
      x.status = 404;
      x.body = NOT_FOUND_BODY;
      return;
    }
    const request: RpcRequest = { id: nextRequestId(), network: network as Network, service, started: performance.now(), method: 'invalid' };
    x.state.request = request;
    try {
      await next();
    } catch (err) {
      const error = asRpcError(err);
      request.errorCode = error.code;
      // JSON-RPC errors travel with 200; a refused body is HTTP's business, and the connection is not reused.
      x.status = error.kind === 'too_large' ? 413 : 200;
      if (x.status === 413) setHeader(x, 'Connection', 'close');
      json(x, renderError(NULL_ID, error.toJsonRpc()));
      if (!(err instanceof GatewayError)) {
        bus.emit({ type: 'gateway.error', where: 'http.rpc', message: err instanceof Error ? `${err.name}: ${err.message}` : String(err) });
      }
    } finally {
      if (bus.has('request.completed')) {
        const member = x.state.member;
        const e: RequestCompletedEvent = {
          type: 'request.completed',
          requestId: request.id,
          network: request.network,
          method: request.method,
          httpStatus: x.status,
          durationMs: performance.now() - request.started,
        };
        if (request.errorCode !== undefined) e.errorCode = request.errorCode;
        if (member) {
          e.memberAddress = member.address;
          e.keyId = member.keyId;
        }
        bus.emit(e);
      }
    }
  };
}
