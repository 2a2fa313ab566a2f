// What the cache may do with a call, in two pure phases: before the call (tier, key, coalescing)
// and after it (store or not, for how long). Correctness first: nothing a reorg may still change is
// stored as final; finality is judged on the answer, because the finalized block moves.
import { canonicalJson, hash, isPlainObject, blockNumber } from './canonical.ts';
import { RULES, UNCACHED_READS, type BlockRef, type Tier } from './classify.ts';
import type { CallOutcome } from '../rpc/types.ts';

export type { BlockRef, Tier } from './classify.ts';

export interface RequestPolicy {
  /**
   * static: forever. block: addressed by a block (hash or explicit number), final or head-keyed by the answer.
   * result: addressed by what the answer says (receipt, transaction). head: keyed to the current head.
   * never: not stored.
   */
  tier: Tier;
  /** Canonical `method:params`, without the network or head; absent when the call is not coalesced or cached. */
  key?: string;
  /** Identical calls in flight at once may share one upstream call (reads only). */
  coalesce: boolean;
  blockRef?: BlockRef;
}

export type ResultTier = 'static' | 'final' | 'head';
export type ResultDecision = { store: false } | { store: true; tier: ResultTier };

export interface ChainView {
  head?: number;
  finalized?: number;
}

const NEVER: RequestPolicy = { tier: 'never', coalesce: false };

export function requestPolicy(method: string, params: unknown): RequestPolicy {
  const rule = Object.hasOwn(RULES, method) ? RULES[method] : Object.hasOwn(UNCACHED_READS, method) ? UNCACHED_READS[method] : undefined;
  if (!rule) return NEVER; // writes, filters, subscriptions, node-specific state, unknown methods
  const list = params === undefined ? [] : params;
  if (!Array.isArray(list)) return NEVER;
  try {
    const c = rule(list);
    if (!c) return NEVER; // malformed: the node answers with its own error, which is never stored
    const key = `${method}:${canonicalJson(c.params)}`;
    return c.blockRef ? { tier: c.tier, key, coalesce: true, blockRef: c.blockRef } : { tier: c.tier, key, coalesce: true };
  } catch {
    return NEVER; // e.g. params nested too deep to serialize: serve uncached rather than fail
  }
}

const DONT: ResultDecision = { store: false };

export function resultPolicy(
  method: string,
  params: unknown,
  req: RequestPolicy,
  outcome: CallOutcome,
  chain: ChainView,
): ResultDecision {
  if (outcome.kind !== 'result' || req.tier === 'never' || req.key === undefined) return DONT;
  if (req.tier === 'static') return { store: true, tier: 'static' };
  if (req.tier === 'head') return { store: true, tier: 'head' };
  let at: number | undefined | null;
  try {
    at = answeredBlock(method, params, req, outcome.value);
  } catch {
    return DONT;
  }
  if (at === null) return DONT; // not found yet, pending, or an answer that contradicts the question
  const final = at !== undefined && chain.finalized !== undefined && at <= chain.finalized;
  return { store: true, tier: final ? 'final' : 'head' };
}

/**
 * The block the answer belongs to: a number, undefined when it cannot be told (then it is only
 * head-keyed), or null when the answer must not be stored at all.
 */
function answeredBlock(method: string, params: unknown, req: RequestPolicy, value: unknown): number | undefined | null {
  if (value === null || value === undefined) return null; // lookups that may succeed later
  const ref = req.blockRef;
  const p = Array.isArray(params) ? params : [];
  switch (method) {
    case 'eth_getTransactionReceipt':
    case 'eth_getTransactionByHash': {
      if (!isPlainObject(value)) return null;
      const asked = hash(p[0]);
      const said = hash(method === 'eth_getTransactionReceipt' ? value.transactionHash : value.hash);
      if (asked === undefined || said !== asked) return null;
      return blockNumber(value.blockNumber) ?? null; // a pending transaction has no block yet
    }
    case 'eth_getBlockByNumber':
    case 'eth_getBlockByHash':
      return sameBlock(ref, value, 'number', 'hash');
    case 'eth_getTransactionByBlockNumberAndIndex':
    case 'eth_getTransactionByBlockHashAndIndex':
      return sameBlock(ref, value, 'blockNumber', 'blockHash');
    case 'eth_getLogs':
    case 'eth_getBlockReceipts': {
      if (!Array.isArray(value)) return null;
      if (ref?.kind === 'number') return ref.number;
      // By hash: only the entries tell the height; an empty answer may come from a node that lacks the block.
      const first = value[0];
      return first === undefined ? undefined : sameBlock(ref, first, 'blockNumber', 'blockHash');
    }
    default:
      return ref?.kind === 'number' ? ref.number : undefined;
  }
}

/** Height of an answer object after checking it is about the block asked for. */
function sameBlock(ref: BlockRef | undefined, value: unknown, numberField: string, hashField: string): number | null {
  if (!isPlainObject(value) || !ref) return null;
  const n = blockNumber(value[numberField]);
  if (n === undefined) return null;
  if (ref.kind === 'number') return n === ref.number ? n : null;
  return hash(value[hashField]) === ref.hash ? n : null;
}

/**
 * The highest block an answer shows to exist, or undefined when it shows none. The head tracker
 * polls, so a member may read a block (a receipt, a log, eth_blockNumber from a node) before the
 * tracker sees it; head-keyed answers cached before that must not be served to them afterwards.
 */
export function revealedHeight(method: string, value: unknown): number | undefined {
  switch (method) {
    case 'eth_blockNumber':
      return blockNumber(value);
    case 'eth_getBlockByNumber':
    case 'eth_getBlockByHash':
      return isPlainObject(value) ? blockNumber(value.number) : undefined;
    case 'eth_getTransactionReceipt':
    case 'eth_getTransactionByHash':
    case 'eth_getTransactionByBlockNumberAndIndex':
    case 'eth_getTransactionByBlockHashAndIndex':
      return isPlainObject(value) ? blockNumber(value.blockNumber) : undefined;
    case 'eth_getLogs':
    case 'eth_getBlockReceipts': {
      // Entries come in block order: the last one is the highest.
      const last: unknown = Array.isArray(value) ? value[value.length - 1] : undefined;
      return isPlainObject(last) ? blockNumber(last.blockNumber) : undefined;
    }
    default:
      return undefined;
  }
}
