// JSON-RPC 2.0 shapes as they travel through the gateway.

export type JsonRpcId = string | number | null;

export interface JsonRpcRequest {
  jsonrpc: '2.0';
  method: string;
  params?: unknown[] | Record<string, unknown>;
  /** Absent for a notification. */
  id?: JsonRpcId;
}

export interface JsonRpcErrorObject {
  code: number;
  message: string;
  data?: unknown;
}

/**
 * What a node (or the cache) answered for one call, detached from the member's id so that
 * one answer can serve many callers. `raw` is the result already serialized as JSON.
 */
export type CallOutcome =
  | { kind: 'result'; raw: string; value: unknown }
  | { kind: 'error'; error: JsonRpcErrorObject };

/** The text of the id `null`, for answers to a body that named no call. */
export const NULL_ID = 'null';

/** Serialize a response for the member's id (its JSON text, as sent) without re-serializing a cached result. */
export function renderResponse(idText: string, outcome: CallOutcome): string {
  if (outcome.kind === 'result') return `{"jsonrpc":"2.0","id":${idText},"result":${outcome.raw}}`;
  return `{"jsonrpc":"2.0","id":${idText},"error":${JSON.stringify(outcome.error)}}`;
}

export function renderError(idText: string, error: JsonRpcErrorObject): string {
  return renderResponse(idText, { kind: 'error', error });
}
