// What the JSON-RPC handler says: a body received (how many calls), and each call answered.
import type { Network } from '../common/network.ts';

export type RpcEvent =
  | {
      type: 'request.received';
      requestId: string;
      network: Network;
      batchSize: number; // 1 for a single call, 0 when the body could not be parsed
      bytes: number;
    }
  | {
      type: 'rpc.call';
      requestId: string;
      network: Network;
      method: string;
      outcome: 'ok' | 'error';
      errorCode?: number;
      /**
       * 'gateway': refused or failed by the gateway itself (bad input, method policy, no node left);
       * 'upstream': answered through the node pool, from a node or from the cache (cache.lookup says which).
       */
      source: 'upstream' | 'gateway';
      durationMs: number;
    };
