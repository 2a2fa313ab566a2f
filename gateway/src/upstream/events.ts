// What the node pools say: each attempt on a node, failovers and exhaustion, and each node's head and health.
import type { Network } from '../common/network.ts';

/** Why an upstream attempt did not produce an answer we could return. */
export type FailureClass =
  | 'connect' // never reached the node (refused, unreachable, connect timeout)
  | 'timeout' // sent, no answer in time
  | 'transport' // reset or broken mid-request
  | 'http_5xx'
  | 'http_429'
  | 'http_other'
  | 'malformed' // body that is not a JSON-RPC response
  | 'node_state' // node cannot answer now: header not found, missing trie node, syncing, limits
  | 'rpc_error'; // a deterministic JSON-RPC error, returned to the member as it is

/** cancelled: the loser of a hedged read, stopped when the other node answered first; it counts for nothing. */
export type AttemptOutcome = 'ok' | FailureClass | 'cancelled';

export type UpstreamEvent =
  | {
      type: 'upstream.attempt';
      requestId: string;
      network: Network;
      node: string;
      method: string;
      attempt: number; // 1-based within one call
      outcome: AttemptOutcome;
      errorCode?: number;
      httpStatus?: number;
      durationMs: number;
      startTime: number; // epoch ms, so a subscriber can build a span after the fact
      detail?: string; // short, never contains a key or a URL credential
      /** The node was out of rotation: tried because no node in rotation was left. */
      lastResort?: boolean;
    }
  | {
      type: 'upstream.failover';
      requestId: string;
      network: Network;
      method: string;
      from: string;
      to: string;
      reason: FailureClass;
    }
  | {
      /** A read not answered within `delayMs` by `from` was also sent to `to`; the first good answer wins. */
      type: 'upstream.hedge';
      requestId: string;
      network: Network;
      method: string;
      from: string;
      to: string;
      delayMs: number;
    }
  | {
      /** What one node answered to a transaction send (upstream/send.ts sendAnswer). */
      type: 'upstream.send';
      requestId: string;
      network: Network;
      node: string;
      answer: 'accepted' | 'known' | 'nonce_too_low' | 'refused' | 'unavailable' | 'ambiguous' | 'unsent';
      /** The transaction's hash, computed from its bytes (public data). */
      hash?: string;
    }
  | {
      type: 'upstream.exhausted';
      requestId: string;
      network: Network;
      method: string;
      attempts: number;
      reason: 'no_healthy_node' | 'all_attempts_failed';
    }
  | {
      type: 'node.health';
      network: Network;
      node: string;
      healthy: boolean;
      reason: string; // 'ok' | 'breaker_open' | 'lagging'
      /** Why, in words, free of URLs: "after 3 × transport: socket hang up", "52 blocks behind the best node". */
      detail?: string;
    }
  | {
      type: 'node.head';
      network: Network;
      node: string;
      head: number;
      headHash: string;
      finalized?: number;
      lag: number;
    }
  | {
      type: 'chain.reorg';
      network: Network;
      node: string;
      height: number;
      oldHash: string;
      newHash: string;
    };
