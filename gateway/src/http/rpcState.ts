// What the JSON-RPC route's middleware pass each other on ctx.state, in the order they fill it.
import type { RouterContext, RouterMiddleware } from '@koa/router';
import type { Network } from '../common/network.ts';
import type { DenyReason } from '../access/events.ts';
import type { NetworkService } from './networks.ts';

export interface RpcRequest {
  /** Names the request in every event, span and log line; never derived from the key. */
  id: string;
  network: Network;
  service: NetworkService;
  /** performance.now() at arrival. */
  started: number;
  /** The single call's method, 'batch', or 'invalid' until the body is read as calls. */
  method: string;
  /** The JSON-RPC error code of the answer, when it is one (a single call's, a refusal's). */
  errorCode?: number;
  /** Why the key was refused, when it was. */
  denied?: DenyReason;
}

export interface RpcState {
  /** requestContext */
  request: RpcRequest;
  /** apiKey: the member the key belongs to. */
  member?: { address: string; keyId: string };
  /** rpcBody: the body as text, within the size limit. */
  body?: string;
}

export type RpcMiddleware = RouterMiddleware<RpcState>;
export type RpcContext = RouterContext<RpcState>;
