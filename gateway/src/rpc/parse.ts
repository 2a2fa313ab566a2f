// Strict JSON-RPC 2.0 envelope validation. Anything refused here never reaches a node.
import { InvalidRequestError, LimitExceededError, ParseError, type RpcError } from './errors.ts';
import type { JsonRpcId, JsonRpcRequest } from './types.ts';

export type ParsedCall =
  | { ok: true; request: JsonRpcRequest; notification: boolean }
  | { ok: false; id: JsonRpcId; error: RpcError };

export type ParsedBody = { kind: 'single'; call: ParsedCall } | { kind: 'batch'; calls: ParsedCall[] };

const METHOD_NAME = /^[A-Za-z][A-Za-z0-9_]{0,127}$/;

/** Parse a request body. Throws an RpcError only when no per-call answer is possible. */
export function parseBody(text: string, maxBatch: number): ParsedBody {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new ParseError();
  }
  if (Array.isArray(value)) {
    if (value.length === 0) throw new InvalidRequestError('empty batch');
    if (value.length > maxBatch) {
      throw new LimitExceededError(`Batch of ${value.length} calls is over this gateway's limit of ${maxBatch}`);
    }
    return { kind: 'batch', calls: value.map(validateCall) };
  }
  return { kind: 'single', call: validateCall(value) };
}

export function validateCall(value: unknown): ParsedCall {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { ok: false, id: null, error: new InvalidRequestError('a call must be a JSON object') };
  }
  const v = value as Record<string, unknown>;
  const hasId = Object.hasOwn(v, 'id');
  const id = v.id;
  if (hasId && !isValidId(id)) {
    return { ok: false, id: null, error: new InvalidRequestError('id must be a string, a number or null') };
  }
  const replyId = (hasId ? id : null) as JsonRpcId;
  if (v.jsonrpc !== '2.0') {
    return { ok: false, id: replyId, error: new InvalidRequestError('"jsonrpc" must be exactly "2.0"') };
  }
  if (typeof v.method !== 'string' || v.method.length === 0) {
    return { ok: false, id: replyId, error: new InvalidRequestError('"method" must be a non-empty string') };
  }
  if (!METHOD_NAME.test(v.method)) {
    return { ok: false, id: replyId, error: new InvalidRequestError('"method" is not a valid method name') };
  }
  const params = v.params;
  if (params !== undefined && (typeof params !== 'object' || params === null)) {
    return { ok: false, id: replyId, error: new InvalidRequestError('"params" must be an array or an object') };
  }
  const request: JsonRpcRequest = { jsonrpc: '2.0', method: v.method };
  if (params !== undefined) request.params = params as JsonRpcRequest['params'];
  if (hasId) request.id = id as JsonRpcId;
  return { ok: true, request, notification: !hasId };
}

function isValidId(id: unknown): boolean {
  if (id === null || typeof id === 'string') return typeof id !== 'string' || id.length <= 256;
  return typeof id === 'number' && Number.isFinite(id);
}
