// The JSON-RPC edge's errors, each with its code (JSON-RPC 2.0 and EIP-1474). Messages are written to be shown
// to the member: they never contain an API key, a node URL or a stack. Any other GatewayError that reaches a
// member's call gets the code of its kind (asRpcError).
import { GatewayError, type ErrorKind } from '../common/errors.ts';
import type { JsonRpcErrorObject } from './types.ts';

export const RpcCode = {
  ParseError: -32700,
  InvalidRequest: -32600,
  MethodNotFound: -32601,
  InvalidParams: -32602,
  Internal: -32603,
  InvalidInput: -32000,
  ResourceNotFound: -32001,
  ResourceUnavailable: -32002,
  TransactionRejected: -32003,
  MethodNotSupported: -32004,
  LimitExceeded: -32005,
} as const;

/** EIP-1474's code for each kind of failure. */
const CODE_OF_KIND: Readonly<Record<ErrorKind, number>> = {
  invalid: RpcCode.InvalidInput,
  unauthenticated: RpcCode.ResourceNotFound,
  forbidden: RpcCode.ResourceNotFound,
  not_found: RpcCode.ResourceNotFound,
  conflict: RpcCode.InvalidInput,
  too_large: RpcCode.LimitExceeded,
  rate_limited: RpcCode.LimitExceeded,
  unavailable: RpcCode.ResourceUnavailable,
  internal: RpcCode.Internal,
};

export class RpcError extends GatewayError {
  override readonly name: string = 'RpcError';
  readonly data: unknown;
  constructor(
    readonly code: number,
    kind: ErrorKind,
    message: string,
    options?: { cause?: unknown; data?: unknown },
  ) {
    super(kind, message, options);
    this.data = options?.data;
  }

  toJsonRpc(): JsonRpcErrorObject {
    return this.data === undefined ? { code: this.code, message: this.message } : { code: this.code, message: this.message, data: this.data };
  }
}

export class ParseError extends RpcError {
  override readonly name = 'ParseError';
  constructor(message = 'Parse error: the body is not valid JSON') {
    super(RpcCode.ParseError, 'invalid', message);
  }
}

export class InvalidRequestError extends RpcError {
  override readonly name = 'InvalidRequestError';
  constructor(message: string) {
    super(RpcCode.InvalidRequest, 'invalid', `Invalid request: ${message}`);
  }
}

export class MethodNotFoundError extends RpcError {
  override readonly name = 'MethodNotFoundError';
  constructor(method: string, why = 'is not available through this gateway') {
    super(RpcCode.MethodNotFound, 'not_found', `Method ${truncate(method, 64)} ${why}`);
  }
}

export class InvalidParamsError extends RpcError {
  override readonly name = 'InvalidParamsError';
  constructor(message: string) {
    super(RpcCode.InvalidParams, 'invalid', `Invalid params: ${message}`);
  }
}

export class LimitExceededError extends RpcError {
  override readonly name = 'LimitExceededError';
  constructor(message: string) {
    super(RpcCode.LimitExceeded, 'too_large', message);
  }
}

/** No node could answer: every node is out of rotation, or every attempt failed. */
export class UpstreamUnavailableError extends RpcError {
  override readonly name = 'UpstreamUnavailableError';
  constructor(message: string, cause?: unknown) {
    super(RpcCode.ResourceUnavailable, 'unavailable', message, { cause });
  }
}

export class InternalError extends RpcError {
  override readonly name = 'InternalError';
  constructor(cause?: unknown) {
    super(RpcCode.Internal, 'internal', 'Internal error', { cause });
  }
}

/** Any error as the member's call sees it: a JSON-RPC error as it is, another gateway error by its kind, anything else internal. */
export function asRpcError(err: unknown): RpcError {
  if (err instanceof RpcError) return err;
  if (err instanceof GatewayError) return new RpcError(CODE_OF_KIND[err.kind], err.kind, err.message, { cause: err });
  return new InternalError(err);
}

export function truncate(s: string, max: number): string {
  return s.length <= max ? s : `${s.slice(0, max)}…`;
}
