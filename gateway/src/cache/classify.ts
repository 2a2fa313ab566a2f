// Per-method reading of params: the canonical params for the cache key, and what the answer depends on.
// A method missing here is never cached; params a rule cannot read make the call uncacheable.
import { parseBlockRef, parseBlockTag, type BlockParam } from './blockParam.ts';
import { address, data, hash, isPlainObject, quantity } from './canonical.ts';

/** What the answer is addressed by; a log range is addressed by its highest block. */
export type BlockRef = { kind: 'number'; number: number } | { kind: 'hash'; hash: string };

export type Tier = 'static' | 'block' | 'result' | 'head' | 'never';

export interface Classified {
  tier: Tier;
  /** Canonical params; two calls share a key exactly when these serialize the same. */
  params: unknown[];
  blockRef?: BlockRef;
}

type Rule = (p: unknown[]) => Classified | undefined;

const arity = (p: unknown[], min: number, max: number) => p.length >= min && p.length <= max;

/** Tier of a call addressed by this block param. */
function byBlock(b: BlockParam, params: unknown[]): Classified {
  if (b.kind === 'number') return { tier: 'block', params, blockRef: { kind: 'number', number: b.number } };
  if (b.kind === 'hash') {
    // requireCanonical makes the answer depend on the current chain, not only on the block.
    return b.requireCanonical ? { tier: 'head', params } : { tier: 'block', params, blockRef: { kind: 'hash', hash: b.hash } };
  }
  return { tier: b.tag === 'pending' ? 'never' : 'head', params };
}

const noParams = (tier: Tier): Rule => (p) => (p.length === 0 ? { tier, params: [] } : undefined);

const boolOpt = (v: unknown) => v === undefined || typeof v === 'boolean';

const blockByNumber: Rule = (p) => {
  const b = parseBlockTag(p[0]);
  if (!arity(p, 1, 2) || !b || !boolOpt(p[1])) return undefined;
  return byBlock(b, p.length === 2 ? [b.key, p[1]] : [b.key]);
};

const blockByHash: Rule = (p) => {
  const h = hash(p[0]);
  if (!arity(p, 1, 2) || !h || !boolOpt(p[1])) return undefined;
  return { tier: 'block', params: p.length === 2 ? [h, p[1]] : [h], blockRef: { kind: 'hash', hash: h } };
};

/** (block) or (block, index) by number or tag. */
const atBlockTag = (withIndex: boolean): Rule => (p) => {
  const b = parseBlockTag(p[0]);
  const i = withIndex ? quantity(p[1]) : undefined;
  if (!arity(p, withIndex ? 2 : 1, withIndex ? 2 : 1) || !b || (withIndex && !i)) return undefined;
  return byBlock(b, withIndex ? [b.key, i] : [b.key]);
};

/** (hash) or (hash, index). */
const atBlockHash = (withIndex: boolean): Rule => (p) => {
  const h = hash(p[0]);
  const i = withIndex ? quantity(p[1]) : undefined;
  if (!arity(p, withIndex ? 2 : 1, withIndex ? 2 : 1) || !h || (withIndex && !i)) return undefined;
  return { tier: 'block', params: withIndex ? [h, i] : [h], blockRef: { kind: 'hash', hash: h } };
};

/**
 * A state read: fixed leading params, then an optional block (omitted or null = latest on every client).
 * Each `lead` normalizer returns undefined when its param is malformed.
 */
const stateRead = (lead: Array<(v: unknown) => unknown>, extra: Array<(v: unknown) => unknown> = []): Rule => (p) => {
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

const CALL_FIELDS: Record<string, (v: unknown) => string | undefined> = {
  from: address,
  to: address,
  gas: quantity,
  gasPrice: quantity,
  maxFeePerGas: quantity,
  maxPriorityFeePerGas: quantity,
  maxFeePerBlobGas: quantity,
  value: quantity,
  nonce: quantity,
  type: quantity,
  chainId: quantity,
  data,
  input: data,
};

/** Known fields canonical, null dropped (clients read null as absent), unknown fields kept as given. */
function callObject(v: unknown): Record<string, unknown> | undefined {
  if (!isPlainObject(v)) return undefined;
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) {
    if (k === '__proto__') return undefined; // would not survive as a key field
    if (x === null || x === undefined) continue;
    const norm = Object.hasOwn(CALL_FIELDS, k) ? CALL_FIELDS[k] : undefined;
    const n = norm ? norm(x) : x;
    if (n === undefined) return undefined;
    out[k] = n;
  }
  return out;
}

/** State and block overrides: any object (or null), kept as given. */
const overrides = (v: unknown) => (v === null || isPlainObject(v) ? v : undefined);

/** Storage keys are echoed back in the proof as given, so they are kept verbatim. */
const storageKeys = (v: unknown) => (Array.isArray(v) && v.every((k) => typeof k === 'string') ? v : undefined);

const feeHistory: Rule = (p) => {
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

function topic(v: unknown): unknown {
  if (v === null) return null;
  if (Array.isArray(v)) {
    const out = v.map((t) => (t === null ? null : hash(t)));
    return out.includes(undefined) ? undefined : out;
  }
  return hash(v);
}

const getLogs: Rule = (p) => {
  const f = p[0];
  if (!arity(p, 1, 1) || !isPlainObject(f)) return undefined;
  const out: Record<string, unknown> = {};
  let from: BlockParam = { kind: 'tag', tag: 'latest', key: 'latest' };
  let to: BlockParam = from;
  for (const [k, v] of Object.entries(f)) {
    if (k === '__proto__') return undefined; // would not survive as a key field
    if (v === null || v === undefined) continue; // absent: the client's default
    let n: unknown;
    if (k === 'fromBlock' || k === 'toBlock') {
      const b = parseBlockTag(v);
      if (!b) return undefined;
      if (k === 'fromBlock') from = b;
      else to = b;
      n = b.key;
    } else if (k === 'blockHash') n = hash(v);
    else if (k === 'address') n = Array.isArray(v) ? (v.every((a) => address(a)) ? v.map(address) : undefined) : address(v);
    else if (k === 'topics') n = Array.isArray(v) ? (v.every((t) => topic(t) !== undefined) ? v.map(topic) : undefined) : undefined;
    else n = v;
    if (n === undefined) return undefined;
    out[k] = n;
  }
  if (typeof out.blockHash === 'string') {
    if ('fromBlock' in out || 'toBlock' in out) return undefined;
    return { tier: 'block', params: [out], blockRef: { kind: 'hash', hash: out.blockHash } };
  }
  if (from.kind === 'number' && to.kind === 'number') {
    return { tier: 'block', params: [out], blockRef: { kind: 'number', number: Math.max(from.number, to.number) } };
  }
  const pending = (from.kind === 'tag' && from.tag === 'pending') || (to.kind === 'tag' && to.tag === 'pending');
  return { tier: pending ? 'never' : 'head', params: [out] };
};

const txByHash: Rule = (p) => {
  const h = hash(p[0]);
  return arity(p, 1, 1) && h ? { tier: 'result', params: [h] } : undefined;
};

export const RULES: Readonly<Record<string, Rule>> = {
  eth_chainId: noParams('static'),
  net_version: noParams('static'),
  eth_blockNumber: noParams('head'),
  eth_gasPrice: noParams('head'),
  eth_maxPriorityFeePerGas: noParams('head'),
  eth_blobBaseFee: noParams('head'),
  eth_feeHistory: feeHistory,
  eth_getBlockByNumber: blockByNumber,
  eth_getBlockByHash: blockByHash,
  eth_getBlockTransactionCountByNumber: atBlockTag(false),
  eth_getBlockTransactionCountByHash: atBlockHash(false),
  eth_getTransactionByBlockNumberAndIndex: atBlockTag(true),
  eth_getTransactionByBlockHashAndIndex: atBlockHash(true),
  eth_getBlockReceipts: stateRead([]),
  eth_getBalance: stateRead([address]),
  eth_getCode: stateRead([address]),
  eth_getTransactionCount: stateRead([address]),
  eth_getStorageAt: stateRead([address, quantity]),
  eth_getProof: stateRead([address, storageKeys]),
  eth_call: stateRead([callObject], [overrides, overrides]),
  eth_getLogs: getLogs,
  eth_getTransactionReceipt: txByHash,
  eth_getTransactionByHash: txByHash,
};

/** Reads that are never stored but may share one in-flight call: the answer is about this moment. */
export const UNCACHED_READS: Readonly<Record<string, Rule>> = {
  eth_estimateGas: (p) => {
    const c = stateRead([callObject], [overrides])(p);
    return c && { tier: 'never', params: c.params };
  },
  eth_syncing: noParams('never'),
  net_peerCount: noParams('never'),
  net_listening: noParams('never'),
  web3_clientVersion: noParams('never'),
};
