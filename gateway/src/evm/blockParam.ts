// Reads the block a call is about (number, tag, or EIP-1898 object) into what the cache needs:
// its canonical form for the key, and whether the answer can change when the chain moves.
import { isPlainObject } from '../common/json.ts';
import { blockNumber, hash } from './hex.ts';

export type BlockParam =
  /** An explicit height; `earliest` counts as height 0 but keeps its own key (pruned nodes may read it differently). */
  | { kind: 'number'; number: number; key: string }
  | { kind: 'tag'; tag: 'latest' | 'safe' | 'finalized' | 'pending'; key: string | null }
  | { kind: 'hash'; hash: string; requireCanonical: boolean; key: Record<string, unknown> };

const MOVING_TAGS = new Set(['latest', 'safe', 'finalized', 'pending']);

/** Every block tag a client may send in place of a number. */
export const BLOCK_TAGS: ReadonlySet<string> = new Set([...MOVING_TAGS, 'earliest']);

/** A block number or tag as a plain string; undefined when malformed. */
export function parseBlockTag(v: unknown): BlockParam | undefined {
  if (typeof v !== 'string') return undefined;
  if (MOVING_TAGS.has(v)) return { kind: 'tag', tag: v as 'latest' | 'safe' | 'finalized' | 'pending', key: v };
  if (v === 'earliest') return { kind: 'number', number: 0, key: v };
  const n = blockNumber(v);
  return n === undefined ? undefined : { kind: 'number', number: n, key: `0x${n.toString(16)}` };
}

/** A number, tag or EIP-1898 `{blockNumber}` / `{blockHash, requireCanonical?}`; undefined when malformed or ambiguous. */
export function parseBlockRef(v: unknown): BlockParam | undefined {
  if (!isPlainObject(v)) return parseBlockTag(v);
  const fields = Object.keys(v);
  if (fields.some((f) => f !== 'blockNumber' && f !== 'blockHash' && f !== 'requireCanonical')) return undefined;
  if ('blockNumber' in v) {
    // {blockNumber: n} means exactly n; requireCanonical beside it has no agreed meaning.
    return 'blockHash' in v || 'requireCanonical' in v ? undefined : parseBlockTag(v.blockNumber);
  }
  const h = hash(v.blockHash);
  if (h === undefined) return undefined;
  const rc = v.requireCanonical;
  if (rc !== undefined && typeof rc !== 'boolean') return undefined;
  const requireCanonical = rc === true;
  return { kind: 'hash', hash: h, requireCanonical, key: requireCanonical ? { blockHash: h, requireCanonical } : { blockHash: h } };
}
