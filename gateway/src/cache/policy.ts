// What the cache may do with a call, in two pure phases: before the call (tier, key, coalescing)
// and after it (store or not, for how long). Correctness first: nothing a reorg may still change is
// stored as final; finality is judged on the answer, because the finalized block moves.
// The rules per method come from the method table (evm/methods.ts); this file only applies them.
import { atNamedBlock } from '../evm/answers.ts';
import type { BlockRef, Tier } from '../evm/cacheRules.ts';
import { methodSpec } from '../evm/methods.ts';
import type { CallOutcome } from '../rpc/types.ts';

export type { BlockRef, Tier } from '../evm/cacheRules.ts';

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
  const rule = methodSpec(method)?.cache;
  if (!rule) return NEVER; // writes, filters, subscriptions, unknown methods
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
  const rule = methodSpec(method)?.answer ?? atNamedBlock;
  return rule(value, Array.isArray(params) ? params : [], req.blockRef);
}

/**
 * The highest block an answer shows to exist, or undefined when it shows none. The head tracker
 * polls, so a member may read a block (a receipt, a log, eth_blockNumber from a node) before the
 * tracker sees it; head-keyed answers cached before that must not be served to them afterwards.
 */
export function revealedHeight(method: string, value: unknown): number | undefined {
  return methodSpec(method)?.reveals?.(value);
}

/** JSON with object keys sorted, so key order never splits one call into two cache entries. */
export function canonicalJson(v: unknown): string {
  // Without objects (most params: hex strings, tags and flags in arrays) JSON.stringify is already canonical.
  return holdsObject(v) ? canonical(v) : (JSON.stringify(v) ?? 'null');
}

function holdsObject(v: unknown): boolean {
  if (v === null || typeof v !== 'object') return false;
  if (!Array.isArray(v)) return true;
  for (const item of v) if (item !== null && typeof item === 'object' && holdsObject(item)) return true;
  return false;
}

function canonical(v: unknown): string {
  if (v === null || typeof v !== 'object') return JSON.stringify(v) ?? 'null';
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  const obj = v as Record<string, unknown>;
  const parts: string[] = [];
  for (const k of Object.keys(obj).sort()) {
    if (obj[k] !== undefined) parts.push(`${JSON.stringify(k)}:${canonical(obj[k])}`);
  }
  return `{${parts.join(',')}}`;
}
