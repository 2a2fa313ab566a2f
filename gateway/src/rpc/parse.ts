// Strict JSON-RPC 2.0 envelope validation. Anything refused here never reaches a node.
import { InvalidParamsError, InvalidRequestError, LimitExceededError, ParseError, type RpcError } from './errors.ts';
import { rawIds } from './rawIds.ts';
import type { JsonRpcId, JsonRpcRequest } from './types.ts';

export type ParsedCall =
  | { ok: true; request: JsonRpcRequest; notification: boolean; /** The id as the member wrote it. */ idText: string }
  | { ok: false; id: JsonRpcId; error: RpcError; idText: string };

export type ParsedBody = { kind: 'single'; call: ParsedCall } | { kind: 'batch'; calls: ParsedCall[] };

const METHOD_NAME = /^[A-Za-z][A-Za-z0-9_]{0,127}$/;

/** No method takes params nested deeper than a few levels; this bounds every recursion over them. */
export const MAX_PARAMS_DEPTH = 32;
/** Values (array items, object members) in one call's params. */
export const MAX_PARAMS_ITEMS = 100_000;

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
    const ids = rawIds(text);
    return { kind: 'batch', calls: value.map((v, i) => validateCall(v, ids[i])) };
  }
  return { kind: 'single', call: validateCall(value, rawIds(text)[0]) };
}

/** A call's envelope checked; `rawId` is the id's text in the body, echoed in the reply instead of a re-serialization. */
export function validateCall(value: unknown, rawId?: string): ParsedCall {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return refused(null, new InvalidRequestError('a call must be a JSON object'));
  }
  const v = value as Record<string, unknown>;
  const hasId = Object.hasOwn(v, 'id');
  const id = v.id;
  if (hasId && !isValidId(id)) return refused(null, new InvalidRequestError('id must be a string, a number or null'));
  const replyId = (hasId ? id : null) as JsonRpcId;
  const idText = hasId && rawId !== undefined ? rawId : JSON.stringify(replyId);
  if (v.jsonrpc !== '2.0') return refused(replyId, new InvalidRequestError('"jsonrpc" must be exactly "2.0"'), idText);
  if (typeof v.method !== 'string' || v.method.length === 0) {
    return refused(replyId, new InvalidRequestError('"method" must be a non-empty string'), idText);
  }
  if (!METHOD_NAME.test(v.method)) return refused(replyId, new InvalidRequestError('"method" is not a valid method name'), idText);
  const params = v.params;
  if (params !== undefined && (typeof params !== 'object' || params === null)) {
    return refused(replyId, new InvalidRequestError('"params" must be an array or an object'), idText);
  }
  const overBound = params === undefined ? undefined : bound(params);
  if (overBound) return refused(replyId, new InvalidParamsError(overBound), idText);
  const request: JsonRpcRequest = { jsonrpc: '2.0', method: v.method };
  if (params !== undefined) request.params = params as JsonRpcRequest['params'];
  if (hasId) request.id = id as JsonRpcId;
  return { ok: true, request, notification: !hasId, idText };
}

function refused(id: JsonRpcId, error: RpcError, idText = JSON.stringify(id)): ParsedCall {
  return { ok: false, id, error, idText };
}

function isValidId(id: unknown): boolean {
  if (id === null || typeof id === 'string') return typeof id !== 'string' || id.length <= 256;
  return typeof id === 'number' && Number.isFinite(id);
}

/** Why params are beyond the bounds (too deep, too many values), checked without recursion; undefined within them. */
function bound(params: unknown): string | undefined {
  const stack: Array<[unknown, number]> = [[params, 1]];
  let items = 0;
  while (stack.length > 0) {
    const [value, depth] = stack.pop()!;
    if (typeof value !== 'object' || value === null) continue;
    if (depth > MAX_PARAMS_DEPTH) return `params are nested deeper than ${MAX_PARAMS_DEPTH} levels`;
    const children = Array.isArray(value) ? value : Object.values(value);
    items += children.length;
    if (items > MAX_PARAMS_ITEMS) return `params hold more than ${MAX_PARAMS_ITEMS} values`;
    for (const child of children) if (typeof child === 'object' && child !== null) stack.push([child, depth + 1]);
  }
  return undefined;
}
