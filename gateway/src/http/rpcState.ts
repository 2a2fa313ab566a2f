// What the JSON-RPC endpoint's steps pass each other, in the order they fill it: the exchange (one HTTP request
// and the answer being built for it) and its state.
import type { IncomingMessage, ServerResponse } from 'node:http';
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
  /** requestContext (the first step; every later step may rely on it). */
  request: RpcRequest;
  /** apiKey: the member the key belongs to. */
  member?: { address: string; keyId: string };
  /** rpcBody: the body as text, within the size limit. */
  body?: string;
}

/** One request to POST /api/<key>/<network> and the answer the steps build for it. */
export interface RpcExchange {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  /** The key as it appears in the path (percent-decoded). A secret: never logged, never in an event. */
  readonly key: string;
  /** hashApiKey(key), once worked out (apiKey.ts keyHash). */
  keyHash?: string;
  /** The network as it appears in the path; requestContext checks it. */
  readonly network: string;
  state: RpcState;
  /** The answer: HTTP status, JSON body (absent: none, as for 204), extra headers. */
  status: number;
  body?: string;
  headers?: Record<string, string>;
}

/** One step of the endpoint: does its part, then calls next() (or answers and does not). */
export type RpcStep = (x: RpcExchange, next: () => Promise<void>) => Promise<void>;

/** Steps run in order, each around the rest: a koa-compose without a framework around it. */
export function chain(steps: readonly RpcStep[]): (x: RpcExchange) => Promise<void> {
  const run = (x: RpcExchange, i: number): Promise<void> => {
    const step = steps[i];
    return step ? step(x, () => run(x, i + 1)) : Promise.resolve();
  };
  return (x) => run(x, 0);
}
