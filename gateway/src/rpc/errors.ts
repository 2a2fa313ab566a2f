// Errors the gateway itself raises, each with its JSON-RPC code (JSON-RPC 2.0 and EIP-1474)
// and the HTTP status it travels with. Messages are written to be shown to the member:
// they never contain an API key, a node URL or a stack.
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

export class GatewayError extends Error {
  override readonly name: string = 'GatewayError';
  constructor(
    readonly code: number,
    message: string,
    readonly httpStatus = 200,
    options?: { cause?: unknown; data?: unknown },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.data = options?.data;
  }
  readonly data: unknown;

  toJsonRpc(): JsonRpcErrorObject {
    return this.data === undefined
      ? { code: this.code, message: this.message }
      : { code: this.code, message: this.message, data: this.data };
  }
}

export class ParseError extends GatewayError {
  override readonly name = 'ParseError';
  constructor(message = 'Parse error: the body is not valid JSON') {
    super(RpcCode.ParseError, message, 200);
  }
}

export class InvalidRequestError extends GatewayError {
  override readonly name = 'InvalidRequestError';
  constructor(message: string) {
    super(RpcCode.InvalidRequest, `Invalid request: ${message}`, 200);
  }
}

export class MethodNotFoundError extends GatewayError {
  override readonly name = 'MethodNotFoundError';
  constructor(method: string, why = 'is not available through this gateway') {
    super(RpcCode.MethodNotFound, `Method ${truncate(method, 64)} ${why}`, 200);
  }
}

export class InvalidParamsError extends GatewayError {
  override readonly name = 'InvalidParamsError';
  constructor(message: string) {
    super(RpcCode.InvalidParams, `Invalid params: ${message}`, 200);
  }
}

export class LimitExceededError extends GatewayError {
  override readonly name = 'LimitExceededError';
  constructor(message: string, httpStatus = 200) {
    super(RpcCode.LimitExceeded, message, httpStatus);
  }
}

/** No node could answer: every node is out of rotation, or every attempt failed. */
export class UpstreamUnavailableError extends GatewayError {
  override readonly name = 'UpstreamUnavailableError';
  constructor(message: string, cause?: unknown) {
    super(RpcCode.ResourceUnavailable, message, 200, { cause });
  }
}

export class InternalError extends GatewayError {
  override readonly name = 'InternalError';
  constructor(cause?: unknown) {
    super(RpcCode.Internal, 'Internal error', 200, { cause });
  }
}

/** Unknown, revoked or inactive API key: HTTP 401/403 with a JSON-RPC error body. */
export class AccessDeniedError extends GatewayError {
  override readonly name = 'AccessDeniedError';
  constructor(message: string, httpStatus: 401 | 403 | 429 | 503 = 401) {
    const code = httpStatus === 503 ? RpcCode.ResourceUnavailable : httpStatus === 429 ? RpcCode.LimitExceeded : RpcCode.ResourceNotFound;
    super(code, message, httpStatus);
  }
}

export function truncate(s: string, max: number): string {
  return s.length <= max ? s : `${s.slice(0, max)}…`;
}
