// What the gateway knows about each JSON-RPC method, one record per method: every other module asks this table.
// Adding a method is adding one entry. A method not listed is forwarded as it is: never cached, checked or denied
// (unless its namespace is), and counted under the metric label `other`.
import {
  blockEntries,
  minedTransaction,
  revealsField,
  revealsLastEntry,
  revealsNumber,
  sameBlockAs,
  type AnswerRule,
  type Reveals,
} from './answers.ts';
import {
  atBlockHash,
  atBlockTag,
  blockByHash,
  blockByNumber,
  byTxHash,
  feeHistory,
  logs,
  noParams,
  overrides,
  stateRead,
  storageKeys,
  uncachedStateRead,
  type CacheRule,
} from './cacheRules.ts';
import { callObject, canonicalCallObject } from './callObject.ts';
import { address, arrayOf, blockRef, blockTag, bool, count, data, hash, object, quantity, type Check } from './checks.ts';
import * as hex from './hex.ts';
import { logFilter } from './logFilter.ts';
import { shape, type ParamShape } from './params.ts';

export interface MethodSpec {
  /** Param shape: certainly malformed params are answered -32602 by the gateway. Absent: the node judges. */
  params?: ParamShape;
  /** How calls are keyed and tiered in the cache. Absent: never cached, and never shared while in flight. */
  cache?: CacheRule;
  /** The block an answer belongs to, which decides whether it may be stored as final. Default: the block named. */
  answer?: AnswerRule;
  /** The highest block an answer shows to exist; no head-keyed answer cached before it is served after it. */
  reveals?: Reveals;
  /** A side effect on the chain: sent to another node only when it certainly never reached the first. */
  write?: true;
  /** A write idempotent by its hash (its first param is the signed transaction): the same bytes may go to every node. */
  idempotentSend?: true;
  /** A null answer for a block at or below the pool's best head means "this node is behind", not "no such block". */
  nullMeansBehind?: true;
  /** Refused by default (METHOD_DENY): signing with the node's accounts, mining, node-local filters and subscriptions. */
  denied?: true;
  /** Which per-attempt timeout applies: `logs` is GETLOGS_TIMEOUT_MS (a wide log range takes long on any node). */
  timeout?: 'logs';
}

/** Namespaces refused by default: node administration, debugging and test-node controls. */
const DENIED_NAMESPACES = ['admin', 'debug', 'personal', 'miner', 'txpool', 'clique', 'les', 'engine', 'anvil', 'hardhat', 'evm'];

const signedTransaction: Check = (v) => (data(v) || v === '0x' ? 'expected a signed transaction as hex data' : undefined);
const percentiles = arrayOf((p) => (typeof p === 'number' && p >= 0 && p <= 100 ? undefined : 'expected percentiles 0..100'));
const known: MethodSpec = {};
const denied: MethodSpec = { denied: true };
const sends: MethodSpec = { write: true };
const block = { answer: sameBlockAs('number', 'hash'), reveals: revealsField('number') };
const txInBlock = { answer: sameBlockAs('blockNumber', 'blockHash'), reveals: revealsField('blockNumber') };
const entries = { answer: blockEntries, reveals: revealsLastEntry };

const METHODS: Record<string, MethodSpec> = {
  // The chain itself: never changes.
  eth_chainId: { params: shape(0), cache: noParams('static') },
  net_version: { params: shape(0), cache: noParams('static') },

  // The head and the fee market: keyed to the head.
  eth_blockNumber: { params: shape(0), cache: noParams('head'), reveals: revealsNumber },
  eth_gasPrice: { params: shape(0), cache: noParams('head') },
  eth_maxPriorityFeePerGas: { params: shape(0), cache: noParams('head') },
  eth_blobBaseFee: { params: shape(0), cache: noParams('head') },
  eth_feeHistory: { params: shape(2, count, blockTag, percentiles), cache: feeHistory },

  // Blocks and their transactions.
  eth_getBlockByNumber: { params: shape(1, blockTag, bool), cache: blockByNumber, ...block, nullMeansBehind: true },
  eth_getBlockByHash: { params: shape(1, hash, bool), cache: blockByHash, ...block },
  eth_getBlockTransactionCountByNumber: { params: shape(1, blockTag), cache: atBlockTag(false), nullMeansBehind: true },
  eth_getBlockTransactionCountByHash: { params: shape(1, hash), cache: atBlockHash(false) },
  eth_getTransactionByBlockNumberAndIndex: { params: shape(2, blockTag, quantity), cache: atBlockTag(true), ...txInBlock },
  eth_getTransactionByBlockHashAndIndex: { params: shape(2, hash, quantity), cache: atBlockHash(true), ...txInBlock },
  eth_getBlockReceipts: { params: shape(1, blockRef), cache: stateRead([]), ...entries, nullMeansBehind: true },
  eth_getUncleCountByBlockHash: known,
  eth_getUncleCountByBlockNumber: known,
  eth_getUncleByBlockHashAndIndex: known,
  eth_getUncleByBlockNumberAndIndex: known,

  // Transactions by hash: addressed by the block their answer names.
  eth_getTransactionByHash: { params: shape(1, hash), cache: byTxHash, answer: minedTransaction('hash'), reveals: revealsField('blockNumber') },
  eth_getTransactionReceipt: {
    params: shape(1, hash),
    cache: byTxHash,
    answer: minedTransaction('transactionHash'),
    reveals: revealsField('blockNumber'),
  },

  // State at a block.
  eth_getBalance: { params: shape(1, address, blockRef), cache: stateRead([hex.address]) },
  eth_getCode: { params: shape(1, address, blockRef), cache: stateRead([hex.address]) },
  eth_getTransactionCount: { params: shape(1, address, blockRef), cache: stateRead([hex.address]) },
  eth_getStorageAt: { params: shape(2, address, quantity, blockRef), cache: stateRead([hex.address, hex.quantity]) },
  eth_getProof: { params: shape(2, address, arrayOf(quantity), blockRef), cache: stateRead([hex.address, storageKeys]) },
  eth_call: { params: shape(1, callObject, blockRef, object, object), cache: stateRead([canonicalCallObject], [overrides, overrides]) },
  eth_estimateGas: { params: shape(1, callObject, blockRef, object), cache: uncachedStateRead([canonicalCallObject], [overrides]) },
  eth_createAccessList: { params: shape(1, callObject, blockRef) },
  eth_simulateV1: known,

  // Logs over a block range.
  eth_getLogs: { params: shape(1, logFilter), cache: logs, ...entries, timeout: 'logs' },

  // Writes.
  eth_sendRawTransaction: { params: shape(1, signedTransaction), write: true, idempotentSend: true },
  eth_sendRawTransactionConditional: sends,
  eth_sendPrivateTransaction: sends,
  eth_sendBundle: sends,

  // About the node, not the chain: shared while in flight, never stored.
  eth_syncing: { params: shape(0), cache: noParams('never') },
  web3_clientVersion: { params: shape(0), cache: noParams('never') },
  net_peerCount: { cache: noParams('never') },
  net_listening: { cache: noParams('never') },
  web3_sha3: known,
  eth_protocolVersion: known,
  eth_hashrate: known,
  eth_getWork: known,

  // The node's own accounts, mining, and state kept per connection on one node: refused by default.
  eth_accounts: denied,
  eth_coinbase: denied,
  eth_mining: denied,
  eth_sign: denied,
  eth_signTransaction: denied,
  eth_sendTransaction: { denied: true, write: true },
  eth_submitWork: denied,
  eth_submitHashrate: denied,
  eth_subscribe: denied,
  eth_unsubscribe: denied,
  eth_newFilter: denied,
  eth_newBlockFilter: denied,
  eth_newPendingTransactionFilter: denied,
  eth_getFilterChanges: denied,
  eth_getFilterLogs: denied,
  eth_uninstallFilter: denied,
};

// A Map: a method name from a member must never find Object.prototype's members (valueOf, constructor...).
const TABLE: ReadonlyMap<string, MethodSpec> = new Map(Object.entries(METHODS));

export function methodSpec(method: string): MethodSpec | undefined {
  return TABLE.get(method);
}

const BY_LOWER_CASE: ReadonlyMap<string, string> = new Map([...TABLE.keys()].map((name) => [name.toLowerCase(), name]));

/**
 * The known method spelled `method` in another case (`Eth_sendRawTransaction` -> `eth_sendRawTransaction`), or
 * undefined. Nodes differ on whether case matters, so the gateway never forwards such a name: it would miss the
 * method's rules (a write retried as a read, params unchecked).
 */
export function knownMethodInOtherCase(method: string): string | undefined {
  if (TABLE.has(method)) return undefined;
  return BY_LOWER_CASE.get(method.toLowerCase());
}

/** Every method the table knows: a closed set, so each may be its own metric label. */
export const KNOWN_METHODS: ReadonlySet<string> = new Set(TABLE.keys());

/** The default METHOD_DENY: denied namespaces as `ns_*`, then denied methods. */
export const DEFAULT_DENY: readonly string[] = [
  ...DENIED_NAMESPACES.map((ns) => `${ns}_*`),
  ...[...TABLE].filter(([, spec]) => spec.denied).map(([name]) => name),
];

