// Errors of key management (the admin command and the portal). Messages are shown to the operator or member.
import { GatewayError, RpcCode } from '../rpc/errors.ts';

export class InvalidAddressError extends GatewayError {
  override readonly name = 'InvalidAddressError';
  constructor(reason: string) {
    super(RpcCode.InvalidParams, `Invalid Ethereum address: ${reason}`, 400);
  }
}

export class InvalidLabelError extends GatewayError {
  override readonly name = 'InvalidLabelError';
  constructor(reason: string) {
    super(RpcCode.InvalidParams, `Invalid label: ${reason}`, 400);
  }
}

export class KeyNotFoundError extends GatewayError {
  override readonly name = 'KeyNotFoundError';
  constructor(reference: string) {
    super(RpcCode.ResourceNotFound, `No API key matches ${reference}`, 404);
  }
}

/** A prefix that matches more than one key: refusing is safer than revoking the wrong one. */
export class AmbiguousKeyError extends GatewayError {
  override readonly name = 'AmbiguousKeyError';
  constructor(
    reference: string,
    readonly matchingIds: string[],
  ) {
    super(
      RpcCode.InvalidParams,
      `${reference} matches ${matchingIds.length} keys (ids ${matchingIds.join(', ')}); use the id or a longer prefix`,
      409,
    );
  }
}

export class InvalidKeyReferenceError extends GatewayError {
  override readonly name = 'InvalidKeyReferenceError';
  constructor(shown: string, expected: string) {
    super(RpcCode.InvalidParams, `Cannot tell which key ${shown} means: ${expected}`, 400);
  }
}
