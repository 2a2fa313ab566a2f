// The one seam between the request path and everything that observes it (telemetry, usage, tests).
// Modules on the path emit typed events here; they never import OpenTelemetry or a logger.

import type { Network } from './common/network.ts';

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

export type AttemptOutcome = 'ok' | FailureClass;

export type CacheResult = 'hit' | 'miss' | 'coalesced' | 'bypass';

/** What became of a sign-in attempt (gateway/src/portal/signInOutcome.ts maps errors to these). */
export const SIGN_IN_OUTCOMES = [
  'ok',
  'bad_input',
  'bad_signature',
  'signer_mismatch',
  'not_eligible',
  'challenge_rejected',
  'rate_limited',
  'too_many_keys',
  'cross_origin',
  'unavailable',
  'error',
] as const;
export type SignInOutcome = (typeof SIGN_IN_OUTCOMES)[number];

/** unknown_key_rate: the client sent too many unknown keys lately and was refused before the database look-up. */
export type DenyReason = 'unknown_key' | 'revoked_key' | 'inactive_member' | 'access_unavailable' | 'unknown_key_rate';

export type GatewayEvent =
  | {
      type: 'request.received';
      requestId: string;
      network: Network;
      batchSize: number; // 1 for a single call, 0 when the body could not be parsed
      bytes: number;
    }
  | {
      type: 'request.completed';
      requestId: string;
      network: Network;
      /** The method of a single call, or 'batch'. */
      method: string;
      httpStatus: number;
      /** JSON-RPC error code of a single call's error, if any. */
      errorCode?: number;
      durationMs: number;
      memberAddress?: string;
      keyId?: string;
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
    }
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
      type: 'upstream.exhausted';
      requestId: string;
      network: Network;
      method: string;
      attempts: number;
      reason: 'no_healthy_node' | 'all_attempts_failed';
    }
  | {
      type: 'cache.lookup';
      requestId: string;
      network: Network;
      method: string;
      result: CacheResult;
      tier?: string;
    }
  | {
      type: 'node.health';
      network: Network;
      node: string;
      healthy: boolean;
      reason: string; // 'ok' | 'breaker_open' | 'lagging' | 'probe_failed' ...
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
    }
  | {
      type: 'access.denied';
      requestId: string;
      network: Network;
      reason: DenyReason;
    }
  | {
      type: 'access.granted';
      requestId: string;
      network: Network;
      memberAddress: string;
      keyId: string;
    }
  | {
      /** Something unexpected inside the gateway; the member got -32603. Message is already free of keys. */
      type: 'gateway.error';
      where: string;
      message: string;
    }
  | {
      type: 'store.error';
      operation: string;
      message: string;
    }
  | {
      /** One POST /auth/verify: a key or a session asked for with a signed challenge. */
      type: 'signin.attempt';
      purpose: 'key' | 'session';
      outcome: SignInOutcome;
      /** Lower-case; present when the signature (or the claim it was checked against) named one. Public data. */
      address?: string;
      /** Which signing form matched (eip191, legacy prefix, typed data...), on success. */
      variant?: string;
      durationMs: number;
    }
  | {
      /** One run of the active orchestrator set sync. A failed run keeps the last good set in force. */
      type: 'orchestrators.sync';
      source: string; // 'subgraph' | 'chain' | 'static'
      outcome: 'ok' | 'failed';
      /** Orchestrators in the set in force after this run (the last good set after a failure; 0 if none yet). */
      count: number;
      durationMs: number;
      /** Why it failed; free of URLs and credentials. */
      error?: string;
      consecutiveFailures: number;
      /** When the next run is due, if the sync is running on its schedule. */
      nextSyncMs?: number;
    };

export type EventType = GatewayEvent['type'];
export type EventOf<T extends EventType> = Extract<GatewayEvent, { type: T }>;
export type Listener<T extends EventType> = (event: EventOf<T>) => void;

/**
 * A synchronous, typed event bus. A listener that throws is isolated: the error goes to
 * `onListenerError` and the emitter carries on, so an observer can never break a request.
 */
export class EventBus {
  private readonly listeners = new Map<EventType, Array<(e: GatewayEvent) => void>>();
  private readonly any: Array<(e: GatewayEvent) => void> = [];

  constructor(private readonly onListenerError: (err: unknown, event: GatewayEvent) => void = () => {}) {}

  on<T extends EventType>(type: T, listener: Listener<T>): () => void {
    const list = this.listeners.get(type) ?? [];
    list.push(listener as (e: GatewayEvent) => void);
    this.listeners.set(type, list);
    return () => this.remove(list, listener as (e: GatewayEvent) => void);
  }

  onAny(listener: (event: GatewayEvent) => void): () => void {
    this.any.push(listener);
    return () => this.remove(this.any, listener);
  }

  /** True when someone listens for this type; lets emitters skip building costly events. */
  has(type: EventType): boolean {
    return this.any.length > 0 || (this.listeners.get(type)?.length ?? 0) > 0;
  }

  emit(event: GatewayEvent): void {
    const list = this.listeners.get(event.type);
    if (list) for (const l of list) this.call(l, event);
    for (const l of this.any) this.call(l, event);
  }

  private call(listener: (e: GatewayEvent) => void, event: GatewayEvent): void {
    try {
      listener(event);
    } catch (err) {
      try {
        this.onListenerError(err, event);
      } catch {
        // an error reporter that throws has nowhere left to report to
      }
    }
  }

  private remove(list: Array<(e: GatewayEvent) => void>, listener: (e: GatewayEvent) => void): void {
    const i = list.indexOf(listener);
    if (i >= 0) list.splice(i, 1);
  }
}
