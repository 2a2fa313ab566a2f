// What a method's answer says about the chain, read after the call: the block it belongs to (whether it can
// be stored as final), and the highest block it shows to exist (so no member is later shown an older head).
import { isPlainObject } from '../common/json.ts';
import type { BlockRef } from './cacheRules.ts';
import { blockNumber, hash } from './hex.ts';

/**
 * The block an answer belongs to: a number; undefined when it cannot be told (it is then only head-keyed); null
 * when it must not be stored at all (not found yet, pending, or an answer that contradicts the question).
 * Called only for answers that are not null.
 */
export type AnswerRule = (value: unknown, params: readonly unknown[], ref: BlockRef | undefined) => number | undefined | null;

/** The highest block an answer shows to exist, or undefined when it shows none. */
export type Reveals = (value: unknown) => number | undefined;

/** The default: an answer about an explicit block number belongs to that block. */
export const atNamedBlock: AnswerRule = (_value, _params, ref) => (ref?.kind === 'number' ? ref.number : undefined);

/** Height of an answer object after checking it is about the block asked for. */
function sameBlock(ref: BlockRef | undefined, value: unknown, numberField: string, hashField: string): number | null {
  if (!isPlainObject(value) || !ref) return null;
  const n = blockNumber(value[numberField]);
  if (n === undefined) return null;
  if (ref.kind === 'number') return n === ref.number ? n : null;
  return hash(value[hashField]) === ref.hash ? n : null;
}

/** A block, or an entry of one (a transaction by index), must be the block asked for. */
export const sameBlockAs = (numberField: string, hashField: string): AnswerRule => (value, _params, ref) =>
  sameBlock(ref, value, numberField, hashField);

/** A transaction or receipt by hash: it must name the hash asked for, and belongs to its block once mined. */
export const minedTransaction = (hashField: string): AnswerRule => (value, params) => {
  if (!isPlainObject(value)) return null;
  const asked = hash(params[0]);
  if (asked === undefined || hash(value[hashField]) !== asked) return null;
  return blockNumber(value.blockNumber) ?? null; // a pending transaction has no block yet
};

/** Entries of one block or a block range (logs, a block's receipts). */
export const blockEntries: AnswerRule = (value, _params, ref) => {
  if (!Array.isArray(value)) return null;
  if (ref?.kind === 'number') return ref.number;
  // By hash: only the entries tell the height; an empty answer may come from a node that lacks the block.
  const first: unknown = value[0];
  return first === undefined ? undefined : sameBlock(ref, first, 'blockNumber', 'blockHash');
};

export const revealsNumber: Reveals = (value) => blockNumber(value);

/** The block named by a field of the answer object. */
export const revealsField = (field: string): Reveals => (value) => (isPlainObject(value) ? blockNumber(value[field]) : undefined);

/** Entries come in block order: the last one is the highest. */
export const revealsLastEntry: Reveals = (value) => {
  const last: unknown = Array.isArray(value) ? value[value.length - 1] : undefined;
  return isPlainObject(last) ? blockNumber(last.blockNumber) : undefined;
};
