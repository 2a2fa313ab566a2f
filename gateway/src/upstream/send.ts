// A signed transaction send, idempotent by its hash: the hash is keccak256 of the raw bytes, so the same bytes may
// go to every node. An ambiguous failure (a timeout or reset after the bytes left) sends them to the next node
// instead of telling the member "maybe", and a node's answer that proves the transaction is known counts as
// accepted. Which answers mean what is sendAnswer(), one table, tested case by case.
import { keccak256, type Hex } from 'viem';
import { UpstreamUnavailableError, truncate } from '../rpc/errors.ts';
import type { CallOutcome, JsonRpcErrorObject } from '../rpc/types.ts';
import { newCall, nextNode, start, unavailable, type Call, type CallContext } from './call.ts';
import type { PoolNode } from './poolNode.ts';
import { classifyRpcError, type AttemptResult } from './classify.ts';

/** What one node's answer to a send means. */
export type SendAnswer =
  /** It took the transaction: its result is the hash. */
  | 'accepted'
  /** It already had it (in its pool, or mined): the member's send succeeded. */
  | 'known'
  /** The sender's nonce is past it: the member's transaction is known only if a node finds it by hash. */
  | 'nonce_too_low'
  /** A deterministic refusal (underpriced, insufficient funds, invalid): the member's answer, as it is. */
  | 'refused'
  /** The node could not take it now (busy, syncing, no such method): another node may. */
  | 'unavailable'
  /** The bytes may have arrived, but no answer came back: send them again, elsewhere. */
  | 'ambiguous'
  /** The bytes certainly never reached the node: another node. */
  | 'unsent';

const KNOWN = [/already known/, /known transaction/, /alreadyknown/, /already imported/, /already in (the )?(tx|transaction)? ?pool/];
const NONCE_TOO_LOW = [/nonce too low/, /nonce has already been used/, /oldnonce/];

export function sendAnswer(result: AttemptResult): SendAnswer {
  // A 429 is a rate limiter's refusal before the node took the bytes in: nothing was sent, another node may take it.
  if (!result.ok) return result.failure === 'http_429' ? 'unavailable' : result.reached ? 'ambiguous' : 'unsent';
  if (result.outcome.kind === 'result') return 'accepted';
  return errorAnswer(result.outcome.error);
}

function errorAnswer(error: JsonRpcErrorObject): SendAnswer {
  const message = typeof error.message === 'string' ? error.message.toLowerCase() : '';
  if (KNOWN.some((re) => re.test(message))) return 'known';
  if (NONCE_TOO_LOW.some((re) => re.test(message))) return 'nonce_too_low';
  return classifyRpcError(error).retry ? 'unavailable' : 'refused';
}

/** The transaction's hash: keccak256 of its signed bytes, as every client computes it. Undefined for bytes that are not hex. */
export function transactionHash(raw: unknown): Hex | undefined {
  return typeof raw === 'string' && /^0x(?:[0-9a-fA-F]{2})+$/.test(raw) ? keccak256(raw as Hex) : undefined;
}

export async function sendTransaction(c: CallContext, method: string, params: unknown, requestId: string): Promise<CallOutcome> {
  const raw = Array.isArray(params) ? params[0] : undefined;
  const hash = transactionHash(raw);
  const call = newCall(c, method, params, requestId);
  const accepted = (outcome: string): CallOutcome => ({ kind: 'result', raw: JSON.stringify(outcome), value: outcome });
  let ambiguous = false;
  let refusal: CallOutcome | undefined;
  let nonceTooLow: CallOutcome | undefined;
  for (let next = await nextNode(call); next; next = await nextNode(call)) {
    const a = await start(call, next.node, next.timeoutMs, next.lastResort).done;
    const answer = sendAnswer(a.result);
    emitSend(c, requestId, next.node, answer, hash);
    if (answer === 'accepted' && a.result.ok) return a.result.outcome;
    if (answer === 'known' && hash) return accepted(hash);
    if (answer === 'ambiguous') ambiguous = true;
    if (!a.result.ok || a.result.outcome.kind !== 'error') continue;
    if (answer === 'refused') {
      refusal = a.result.outcome;
      break; // every honest node would refuse it alike
    }
    if (answer === 'nonce_too_low') {
      nonceTooLow = a.result.outcome;
      break;
    }
  }
  // A nonce past the transaction, or bytes that may have arrived: the transaction is the member's if a node has it.
  if ((nonceTooLow || ambiguous) && hash && (await known(c, requestId, hash))) return accepted(hash);
  if (nonceTooLow) return nonceTooLow;
  if (refusal) return refusal;
  if (ambiguous) {
    unavailable(call, 'ambiguous');
    throw new UpstreamUnavailableError(
      `No ${c.network} node confirmed ${truncate(method, 64)} and none knows the transaction ${hash ?? ''} yet; it may still arrive: check its hash before sending a replacement`,
    );
  }
  throw unavailable(call, 'unsent');
}

/** Whether any node, asked in the order a read would be, returns the transaction by its hash. */
async function known(c: CallContext, requestId: string, hash: Hex): Promise<boolean> {
  const lookup: Call = newCall(c, 'eth_getTransactionByHash', [hash], requestId);
  for (let next = await nextNode(lookup); next; next = await nextNode(lookup)) {
    const a = await start(lookup, next.node, next.timeoutMs, next.lastResort).done;
    if (!a.result.ok || a.result.outcome.kind !== 'result') continue;
    const tx = a.result.outcome.value as { hash?: unknown } | null;
    if (tx !== null && typeof tx === 'object' && typeof tx.hash === 'string' && tx.hash.toLowerCase() === hash) return true;
  }
  return false;
}

function emitSend(c: CallContext, requestId: string, node: PoolNode, answer: SendAnswer, hash: string | undefined): void {
  c.bus.emit({ type: 'upstream.send', requestId, network: c.network, node: node.name, answer, ...(hash ? { hash } : {}) });
}
