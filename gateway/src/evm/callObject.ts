// The transaction-call object of eth_call, eth_estimateGas and eth_createAccessList: one list of the fields
// we read, used both to refuse certainly malformed calls and to give equal calls one cache key.
import { isPlainObject } from '../common/json.ts';
import { address as checkAddress, data as checkData, optionalFields, quantity as checkQuantity, type Check } from './checks.ts';
import { address, data, quantity } from './hex.ts';

type Field = { check: Check; read: (v: unknown) => string | undefined };
const ADDRESS: Field = { check: checkAddress, read: address };
const QUANTITY: Field = { check: checkQuantity, read: quantity };
const DATA: Field = { check: checkData, read: data };

/** Fields with a fixed hex form; any other field (accessList, blob hashes, ...) is left as given. */
const FIELDS: Readonly<Record<string, Field>> = {
  from: ADDRESS,
  to: ADDRESS,
  gas: QUANTITY,
  gasPrice: QUANTITY,
  maxFeePerGas: QUANTITY,
  maxPriorityFeePerGas: QUANTITY,
  maxFeePerBlobGas: QUANTITY,
  value: QUANTITY,
  nonce: QUANTITY,
  type: QUANTITY,
  chainId: QUANTITY,
  data: DATA,
  input: DATA,
};

export const callObject: Check = optionalFields(Object.fromEntries(Object.entries(FIELDS).map(([k, f]) => [k, f.check])));

/** Known fields canonical, null dropped (clients read null as absent), unknown fields kept as given; undefined when unreadable. */
export function canonicalCallObject(v: unknown): Record<string, unknown> | undefined {
  if (!isPlainObject(v)) return undefined;
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) {
    if (k === '__proto__') return undefined; // would not survive as a key field
    if (x === null || x === undefined) continue;
    const field = Object.hasOwn(FIELDS, k) ? FIELDS[k] : undefined;
    const n = field ? field.read(x) : x;
    if (n === undefined) return undefined;
    out[k] = n;
  }
  return out;
}
