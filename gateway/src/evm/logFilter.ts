// The log filter of eth_getLogs: refused when certainly malformed, and read into its canonical form with the
// block range it covers, which decides whether its answer can still change.
import { isPlainObject } from '../common/json.ts';
import { parseBlockTag, type BlockParam } from './blockParam.ts';
import { address as checkAddress, arrayOf, blockTag, hash as checkHash, optionalFields, type Check } from './checks.ts';
import { address, hash } from './hex.ts';

const topicCheck: Check = (v) => (v === null ? undefined : Array.isArray(v) ? arrayOf((t) => (t === null ? undefined : checkHash(t)))(v) : checkHash(v));

const fieldsCheck = optionalFields({
  fromBlock: blockTag,
  toBlock: blockTag,
  blockHash: checkHash,
  address: (a) => (Array.isArray(a) ? arrayOf(checkAddress)(a) : checkAddress(a)),
  topics: arrayOf(topicCheck),
});

export const logFilter: Check = (v) => {
  const why = fieldsCheck(v);
  if (why) return why;
  const f = v as Record<string, unknown>;
  if (f.blockHash != null && (f.fromBlock != null || f.toBlock != null)) return 'blockHash excludes fromBlock and toBlock';
  return undefined;
};

export interface CanonicalFilter {
  filter: Record<string, unknown>;
  /** Absent fromBlock / toBlock mean latest, as on every client. */
  from: BlockParam;
  to: BlockParam;
  blockHash?: string;
}

function topic(v: unknown): unknown {
  if (v === null) return null;
  if (Array.isArray(v)) {
    const out = v.map((t) => (t === null ? null : hash(t)));
    return out.includes(undefined) ? undefined : out;
  }
  return hash(v);
}

/** The filter with addresses, hashes and block numbers canonical; undefined when a field cannot be read. */
export function canonicalLogFilter(f: unknown): CanonicalFilter | undefined {
  if (!isPlainObject(f)) return undefined;
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
  if (typeof out.blockHash === 'string' && ('fromBlock' in out || 'toBlock' in out)) return undefined;
  return typeof out.blockHash === 'string' ? { filter: out, from, to, blockHash: out.blockHash } : { filter: out, from, to };
}
