// How a method's params are read for the cache: the canonical params of the key, and what the answer depends
// on (its tier). A rule that cannot read the params returns undefined, and the call is then not cached.
import { isPlainObject } from '../common/json.ts';
import { parseBlockRef, parseBlockTag, type BlockParam } from './blockParam.ts';
import { hash, quantity } from './hex.ts';
import { canonicalLogFilter } from './logFilter.ts';

/** What the answer is addressed by; a log range is addressed by its highest block. */
export type BlockRef = { kind: 'number'; number: number } | { kind: 'hash'; hash: string };

/**
 * static: never changes. block: addressed by a block (hash or explicit number): final or head-keyed by the answer.
 * result: addressed by what the answer says (a receipt's block). head: changes with the head. never: not stored,
 * but identical calls in flight may still share one upstream call.
 */
export type Tier = 'static' | 'block' | 'result' | 'head' | 'never';

export interface Keyed {
  tier: Tier;
  /** Canonical params; two calls share a key exactly when these serialize the same. */
  params: unknown[];
  blockRef?: BlockRef;
}

export type CacheRule = (params: unknown[]) => Keyed | undefined;

const arity = (p: unknown[], min: number, max: number) => p.length >= min && p.length <= max;

/** Tier of a call addressed by this block param. */
function byBlock(b: BlockParam, params: unknown[]): Keyed {
  if (b.kind === 'number') return { tier: 'block', params, blockRef: { kind: 'number', number: b.number } };
  if (b.kind === 'hash') {
    // requireCanonical makes the answer depend on the current chain, not only on the block.
    return b.requireCanonical ? { tier: 'head', params } : { tier: 'block', params, blockRef: { kind: 'hash', hash: b.hash } };
  }
  return { tier: b.tag === 'pending' ? 'never' : 'head', params };
}

export const noParams = (tier: Tier): CacheRule => (p) => (p.length === 0 ? { tier, params: [] } : undefined);

const boolOpt = (v: unknown) => v === undefined || typeof v === 'boolean';

export const blockByNumber: CacheRule = (p) => {
  const b = parseBlockTag(p[0]);
  if (!arity(p, 1, 2) || !b || !boolOpt(p[1])) return undefined;
  return byBlock(b, p.length === 2 ? [b.key, p[1]] : [b.key]);
};

export const blockByHash: CacheRule = (p) => {
  const h = hash(p[0]);
  if (!arity(p, 1, 2) || !h || !boolOpt(p[1])) return undefined;
  return { tier: 'block', params: p.length === 2 ? [h, p[1]] : [h], blockRef: { kind: 'hash', hash: h } };
};

/** (block) or (block, index) by number or tag. */
export const atBlockTag = (withIndex: boolean): CacheRule => (p) => {
  const b = parseBlockTag(p[0]);
  const i = withIndex ? quantity(p[1]) : undefined;
  if (!arity(p, withIndex ? 2 : 1, withIndex ? 2 : 1) || !b || (withIndex && !i)) return undefined;
  return byBlock(b, withIndex ? [b.key, i] : [b.key]);
};

/** (hash) or (hash, index). */
export const atBlockHash = (withIndex: boolean): CacheRule => (p) => {
  const h = hash(p[0]);
  const i = withIndex ? quantity(p[1]) : undefined;
  if (!arity(p, withIndex ? 2 : 1, withIndex ? 2 : 1) || !h || (withIndex && !i)) return undefined;
  return { tier: 'block', params: withIndex ? [h, i] : [h], blockRef: { kind: 'hash', hash: h } };
};

type Reader = (v: unknown) => unknown;

/**
 * A state read: fixed leading params, then an optional block (omitted or null = latest on every client), then
 * optional extras. Each reader returns undefined when its param is malformed.
 */
export const stateRead = (lead: Reader[], extra: Reader[] = []): CacheRule => (p) => {
  if (!arity(p, lead.length, lead.length + 1 + extra.length)) return undefined;
  const out: unknown[] = [];
  for (let i = 0; i < lead.length; i++) {
    const n = lead[i]!(p[i]);
    if (n === undefined) return undefined;
    out.push(n);
  }
  const raw = p[lead.length];
  const b = raw === undefined || raw === null ? ({ kind: 'tag', tag: 'latest', key: null } as const) : parseBlockRef(raw);
  if (!b) return undefined;
  if (raw !== undefined) out.push(b.key);
  for (let i = 0; i < extra.length && lead.length + 1 + i < p.length; i++) {
    const n = extra[i]!(p[lead.length + 1 + i]);
    if (n === undefined) return undefined;
    out.push(n);
  }
  return byBlock(b, out);
};

/** A state read whose answer is about this moment: shared while in flight, never stored. */
export const uncachedStateRead = (lead: Reader[], extra: Reader[] = []): CacheRule => (p) => {
  const c = stateRead(lead, extra)(p);
  return c && { tier: 'never', params: c.params };
};

/** State and block overrides: any object (or null), kept as given. */
export const overrides: Reader = (v) => (v === null || isPlainObject(v) ? v : undefined);

/** Storage keys are echoed back in the proof as given, so they are kept verbatim. */
export const storageKeys: Reader = (v) => (Array.isArray(v) && v.every((k) => typeof k === 'string') ? v : undefined);

export const feeHistory: CacheRule = (p) => {
  if (!arity(p, 2, 3)) return undefined;
  const c = p[0];
  const count = typeof c === 'number' && Number.isSafeInteger(c) && c >= 0 ? `0x${c.toString(16)}` : quantity(c);
  const b = parseBlockTag(p[1]);
  const pct = p[2];
  const pctOk = pct === undefined || pct === null || (Array.isArray(pct) && pct.every((x) => typeof x === 'number' && Number.isFinite(x)));
  if (!count || !b || !pctOk) return undefined;
  // Even at a fixed block the answer is about the fee market near the head: keyed to the head.
  return { tier: b.kind === 'tag' && b.tag === 'pending' ? 'never' : 'head', params: p.length === 3 ? [count, b.key, pct] : [count, b.key] };
};

export const logs: CacheRule = (p) => {
  if (!arity(p, 1, 1)) return undefined;
  const f = canonicalLogFilter(p[0]);
  if (!f) return undefined;
  if (f.blockHash !== undefined) return { tier: 'block', params: [f.filter], blockRef: { kind: 'hash', hash: f.blockHash } };
  const { from, to } = f;
  if (from.kind === 'number' && to.kind === 'number') {
    return { tier: 'block', params: [f.filter], blockRef: { kind: 'number', number: Math.max(from.number, to.number) } };
  }
  const pending = (from.kind === 'tag' && from.tag === 'pending') || (to.kind === 'tag' && to.tag === 'pending');
  return { tier: pending ? 'never' : 'head', params: [f.filter] };
};

/** A lookup by transaction hash: its answer is addressed by the block it names. */
export const byTxHash: CacheRule = (p) => {
  const h = hash(p[0]);
  return arity(p, 1, 1) && h ? { tier: 'result', params: [h] } : undefined;
};
