// Shape checks for the params of the methods go-livepeer and common clients use. A call that is
// certainly malformed is answered -32602 here instead of costing a node round trip; anything a node
// might still accept (leading zeros, extra object fields) is left for the node to judge.
import { InvalidParamsError } from './errors.ts';

type Check = (v: unknown) => string | undefined; // a reason when invalid

const HEX = /^0x[0-9a-fA-F]+$/;
const BLOCK_TAGS = new Set(['latest', 'earliest', 'pending', 'safe', 'finalized']);

const isHexOf = (len: number, what: string): Check => (v) =>
  typeof v === 'string' && v.length === 2 + len && HEX.test(v) ? undefined : `expected ${what}`;

const address = isHexOf(40, 'a 20-byte hex address');
const hash = isHexOf(64, 'a 32-byte hex hash');
const quantity: Check = (v) =>
  typeof v === 'string' && v.length <= 66 && HEX.test(v) ? undefined : 'expected a hex quantity';
const data: Check = (v) =>
  typeof v === 'string' && (v === '0x' || (HEX.test(v) && v.length % 2 === 0)) ? undefined : 'expected hex data';
const bool: Check = (v) => (typeof v === 'boolean' ? undefined : 'expected true or false');
const object: Check = (v) => (isObject(v) ? undefined : 'expected an object');
const blockTag: Check = (v) =>
  typeof v === 'string' && BLOCK_TAGS.has(v) ? undefined : quantity(v) && 'expected a block number or tag';
const blockRef: Check = (v) => {
  if (!isObject(v)) return blockTag(v);
  if ('blockHash' in v) return hash(v.blockHash) && 'expected blockHash to be a 32-byte hex hash';
  if ('blockNumber' in v) return blockTag(v.blockNumber);
  return 'expected a block number, tag, or {blockNumber} / {blockHash}';
};
const integerOrQuantity: Check = (v) =>
  (typeof v === 'number' && Number.isInteger(v) && v >= 0) || !quantity(v) ? undefined : 'expected a count';
const arrayOf = (item: Check): Check => (v) => {
  if (!Array.isArray(v)) return 'expected an array';
  for (const x of v) {
    const why = item(x);
    if (why) return why;
  }
  return undefined;
};
const optionalFields = (fields: Record<string, Check>): Check => (v) => {
  if (!isObject(v)) return 'expected an object';
  for (const [k, check] of Object.entries(fields)) {
    if (v[k] !== undefined && v[k] !== null) {
      const why = check(v[k]);
      if (why) return `${k}: ${why}`;
    }
  }
  return undefined;
};
const callObject = optionalFields({
  from: address,
  to: address,
  gas: quantity,
  gasPrice: quantity,
  maxFeePerGas: quantity,
  maxPriorityFeePerGas: quantity,
  value: quantity,
  nonce: quantity,
  data,
  input: data,
});
const topic: Check = (v) => (v === null ? undefined : Array.isArray(v) ? arrayOf((t) => (t === null ? undefined : hash(t)))(v) : hash(v));
const filter: Check = (v) => {
  const why = optionalFields({
    fromBlock: blockTag,
    toBlock: blockTag,
    blockHash: hash,
    address: (a) => (Array.isArray(a) ? arrayOf(address)(a) : address(a)),
    topics: arrayOf(topic),
  })(v);
  if (why) return why;
  const f = v as Record<string, unknown>;
  if (f.blockHash != null && (f.fromBlock != null || f.toBlock != null)) return 'blockHash excludes fromBlock and toBlock';
  return undefined;
};

interface Spec {
  checks: Check[];
  required: number;
}
const spec = (required: number, ...checks: Check[]): Spec => ({ checks, required });

const SPECS: Record<string, Spec> = {
  eth_chainId: spec(0),
  net_version: spec(0),
  eth_blockNumber: spec(0),
  eth_gasPrice: spec(0),
  eth_maxPriorityFeePerGas: spec(0),
  eth_blobBaseFee: spec(0),
  eth_syncing: spec(0),
  web3_clientVersion: spec(0),
  eth_getBalance: spec(1, address, blockRef),
  eth_getCode: spec(1, address, blockRef),
  eth_getTransactionCount: spec(1, address, blockRef),
  eth_getStorageAt: spec(2, address, quantity, blockRef),
  eth_call: spec(1, callObject, blockRef, object, object),
  eth_estimateGas: spec(1, callObject, blockRef, object),
  eth_createAccessList: spec(1, callObject, blockRef),
  eth_getBlockByNumber: spec(1, blockTag, bool),
  eth_getBlockByHash: spec(1, hash, bool),
  eth_getBlockReceipts: spec(1, blockRef),
  eth_getBlockTransactionCountByNumber: spec(1, blockTag),
  eth_getBlockTransactionCountByHash: spec(1, hash),
  eth_getTransactionByBlockNumberAndIndex: spec(2, blockTag, quantity),
  eth_getTransactionByBlockHashAndIndex: spec(2, hash, quantity),
  eth_getTransactionByHash: spec(1, hash),
  eth_getTransactionReceipt: spec(1, hash),
  eth_getLogs: spec(1, filter),
  eth_sendRawTransaction: spec(1, (v) => (data(v) || v === '0x' ? 'expected a signed transaction as hex data' : undefined)),
  eth_feeHistory: spec(2, integerOrQuantity, blockTag, arrayOf((p) => (typeof p === 'number' && p >= 0 && p <= 100 ? undefined : 'expected percentiles 0..100'))),
  eth_getProof: spec(2, address, arrayOf(quantity), blockRef),
};

/** Throws InvalidParamsError when a known method's params are certainly malformed. */
export function checkParams(method: string, params: unknown): void {
  const s = SPECS[method];
  if (!s) return;
  if (params === undefined) params = [];
  if (!Array.isArray(params)) throw new InvalidParamsError(`${method} takes positional params (an array)`);
  if (params.length < s.required) {
    throw new InvalidParamsError(`${method} needs at least ${s.required} param${s.required === 1 ? '' : 's'}, got ${params.length}`);
  }
  if (params.length > s.checks.length) {
    throw new InvalidParamsError(`${method} takes at most ${s.checks.length} params, got ${params.length}`);
  }
  for (let i = 0; i < params.length; i++) {
    const value = params[i];
    if (i >= s.required && (value === undefined || value === null)) continue;
    const why = s.checks[i]!(value);
    if (why) throw new InvalidParamsError(`${method} param ${i + 1}: ${why}`);
  }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
