// Shape checks for JSON-RPC params: each returns a reason when the value is certainly malformed, else
// undefined. Anything a node might still accept (leading zeros, extra object fields) passes: the node judges.
import { isPlainObject } from '../common/json.ts';
import { BLOCK_TAGS } from './blockParam.ts';
import * as hex from './hex.ts';

/** A reason when invalid. */
export type Check = (v: unknown) => string | undefined;

const fits = (read: (v: unknown) => unknown, what: string): Check => (v) => (read(v) === undefined ? `expected ${what}` : undefined);

export const address = fits(hex.address, 'a 20-byte hex address');
export const hash = fits(hex.hash, 'a 32-byte hex hash');
export const quantity = fits(hex.quantity, 'a hex quantity');
export const data = fits(hex.data, 'hex data');
export const bool: Check = (v) => (typeof v === 'boolean' ? undefined : 'expected true or false');
export const object: Check = (v) => (isPlainObject(v) ? undefined : 'expected an object');

export const blockTag: Check = (v) =>
  typeof v === 'string' && BLOCK_TAGS.has(v) ? undefined : quantity(v) && 'expected a block number or tag';

/** A block number or tag, or EIP-1898 {blockNumber} / {blockHash}. */
export const blockRef: Check = (v) => {
  if (!isPlainObject(v)) return blockTag(v);
  if ('blockHash' in v) return hash(v.blockHash) && 'expected blockHash to be a 32-byte hex hash';
  if ('blockNumber' in v) return blockTag(v.blockNumber);
  return 'expected a block number, tag, or {blockNumber} / {blockHash}';
};

/** A count as a JSON number or a hex quantity. */
export const count: Check = (v) => ((typeof v === 'number' && Number.isInteger(v) && v >= 0) || !quantity(v) ? undefined : 'expected a count');

export const arrayOf = (item: Check): Check => (v) => {
  if (!Array.isArray(v)) return 'expected an array';
  for (const x of v) {
    const why = item(x);
    if (why) return why;
  }
  return undefined;
};

/** An object whose listed fields, when present and not null, pass their checks; other fields are the node's to judge. */
export const optionalFields = (fields: Readonly<Record<string, Check>>): Check => (v) => {
  if (!isPlainObject(v)) return 'expected an object';
  for (const [k, check] of Object.entries(fields)) {
    if (v[k] !== undefined && v[k] !== null) {
      const why = check(v[k]);
      if (why) return `${k}: ${why}`;
    }
  }
  return undefined;
};
