// Pure failure classification: what one attempt on a node means for the call (return it, try the
// next node, or stop) and for the node's health. No I/O here, so every rule has a unit test.
import type { FailureClass } from './events.ts';
import { blockNumber } from '../evm/hex.ts';
import { methodSpec } from '../evm/methods.ts';
import type { CallOutcome, JsonRpcErrorObject } from '../rpc/types.ts';

/** What one attempt on one node produced. `reached` is false only when the request certainly never got to the node. */
export type AttemptResult =
  | { ok: true; outcome: CallOutcome }
  | { ok: false; failure: FailureClass; reached: boolean; detail: string; httpStatus?: number };

/** A method with a side effect: sending it twice is not harmless, so it moves on only when the first never arrived. */
export function isWrite(method: string): boolean {
  return methodSpec(method)?.write === true;
}

/** A transport error, by its code and by whether the socket had connected before it happened. */
export function classifyTransport(code: string | undefined, connected: boolean): { failure: FailureClass; reached: boolean } {
  // Before the connection exists nothing was written, whatever the error (refused, DNS, TLS, connect timeout).
  if (!connected) return { failure: 'connect', reached: false };
  if (code === 'ETIMEDOUT') return { failure: 'timeout', reached: true };
  if (code !== undefined && (code.startsWith('HPE_') || code === 'ERR_BODY_PARSE_FAILURE')) return { failure: 'malformed', reached: true };
  return { failure: 'transport', reached: true };
}

/** The failure class of an HTTP status, or undefined for 2xx (the body decides). */
export function classifyHttpStatus(status: number): FailureClass | undefined {
  if (status >= 200 && status < 300) return undefined;
  if (status === 429) return 'http_429';
  if (status >= 500) return 'http_5xx';
  return 'http_other';
}

export interface RpcErrorClass {
  failure: 'node_state' | 'rpc_error';
  /** Try the next node rather than hand this error to the member. */
  retry: boolean;
  /** Counts as a failure of the node (breaker) rather than as a sign of life: the member got nothing from it. */
  hurtsHealth: boolean;
  /** The node as a whole is busy right now (throttled, syncing): says nothing about this particular query. */
  transient: boolean;
}

// Answers that any honest node would give the same way: never worth another node.
const DETERMINISTIC = [
  /revert/,
  /nonce too (low|high)/,
  /insufficient funds/,
  /already known/,
  /known transaction/,
  /underpriced/,
  /intrinsic gas too low/,
  /gas required exceeds/,
  /exceeds block gas limit/,
  /max fee per gas less than/,
  /invalid (argument|params|sender|signature|transaction|opcode|jump|chain id)/,
  /out of gas/,
  /fee cap/,
  /transaction type not supported/,
];
// Limits of one provider on one query (log ranges, result sizes): another node may well answer.
const QUERY_LIMIT = [
  /query returned more than/,
  /block range/,
  /range (is )?too (large|wide|big)/,
  /too many (blocks|results|logs)/,
  /exceed(s|ed)? (the )?max(imum)? (block )?range/,
  /response (size|is too big)/,
  /log response size/,
];
// The node as a whole cannot serve now (throttled, syncing, overloaded): count it against the node.
const NODE_BUSY = [
  /rate.?limit/,
  /limit exceeded/,
  /too many requests/,
  /capacity/,
  /try again/,
  /temporarily unavailable/,
  /overloaded/,
  /service unavailable/,
  /timed? ?out/,
  /not synced/,
  /syncing/,
];
// This node is behind: it does not have a block the query names. Another node may, and members got nothing here:
// it counts against the node (a node that says this to members while its polls look fine must leave rotation).
const NODE_BEHIND = [/header not found/, /unknown block/, /block not found/, /not found.*block/, /missing (block|header)/];
// This node has pruned the state the query needs (a full node asked for history): an archive node may answer, and
// the node is as healthy as before for everything else, so it does not count against it.
const NODE_PRUNED = [/missing trie node/, /state (is )?not available/, /historical state/, /state histor/, /pruned/, /missing state/];

export function classifyRpcError(error: JsonRpcErrorObject): RpcErrorClass {
  const message = typeof error.message === 'string' ? error.message.toLowerCase() : '';
  const code = error.code;
  const answer: RpcErrorClass = { failure: 'rpc_error', retry: false, hurtsHealth: false, transient: false };
  if (code === 3 || code === -32602 || code === -32600 || code === -32700 || code === -32003) return answer;
  if (DETERMINISTIC.some((re) => re.test(message))) return answer;
  // Method not found / not supported on this node: another node may have it, and this one is still fine.
  if (code === -32601 || code === -32004) return { ...answer, retry: true };
  if (QUERY_LIMIT.some((re) => re.test(message))) return { ...answer, failure: 'node_state', retry: true };
  if (code === -32005 || NODE_BUSY.some((re) => re.test(message))) return { failure: 'node_state', retry: true, hurtsHealth: true, transient: true };
  if (NODE_PRUNED.some((re) => re.test(message))) return { failure: 'node_state', retry: true, hurtsHealth: false, transient: false };
  if (code === -32002 || code === -32603 || NODE_BEHIND.some((re) => re.test(message))) {
    return { failure: 'node_state', retry: true, hurtsHealth: true, transient: false };
  }
  return answer;
}

/** A block number (hex quantity) named by params[0], or undefined for tags and anything else. */
export function blockNumberParam(params: unknown): number | undefined {
  return Array.isArray(params) ? blockNumber(params[0]) : undefined;
}

export interface Decision {
  /** return: hand the outcome to the member; retry: try another node; stop: give up without retrying (a write that may have arrived). */
  next: 'return' | 'retry' | 'stop';
  /** For the upstream.attempt event. */
  outcome: 'ok' | FailureClass;
  /** success: the node answered sensibly; failure: counts against it. */
  health: 'success' | 'failure';
  errorCode?: number;
  detail?: string;
}

export interface DecideContext {
  /** The best head of the pool, to tell "behind" from "does not exist". */
  bestHead?: number;
}

export function decide(method: string, params: unknown, result: AttemptResult, ctx: DecideContext = {}): Decision {
  const spec = methodSpec(method);
  const write = spec?.write === true;
  if (!result.ok) {
    return {
      next: write && result.reached ? 'stop' : 'retry',
      outcome: result.failure,
      health: 'failure',
      detail: result.detail,
    };
  }
  const { outcome } = result;
  if (outcome.kind === 'result') {
    if (outcome.value === null && !write && spec?.nullMeansBehind && ctx.bestHead !== undefined) {
      const n = blockNumberParam(params);
      if (n !== undefined && n <= ctx.bestHead) {
        return { next: 'retry', outcome: 'node_state', health: 'failure', detail: 'null for a block at or below the best head' };
      }
    }
    return { next: 'return', outcome: 'ok', health: 'success' };
  }
  const cls = classifyRpcError(outcome.error);
  const detail = `rpc ${outcome.error.code}`;
  // A write that the node answered was processed there; only "no such method" proves it was not.
  const methodMissing = outcome.error.code === -32601 || outcome.error.code === -32004;
  const retry = cls.retry && (!write || methodMissing);
  return {
    next: retry ? 'retry' : 'return',
    outcome: cls.failure,
    health: cls.hurtsHealth ? 'failure' : 'success',
    errorCode: outcome.error.code,
    detail,
  };
}

/** Failures worth a second try on the same node when no other node is left: brief glitches, not a dead or slow node. */
export function repeatable(outcome: 'ok' | FailureClass): boolean {
  return outcome === 'transport' || outcome === 'http_5xx' || outcome === 'malformed';
}
