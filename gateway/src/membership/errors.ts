// Errors of key management (the admin command and the portal). Messages are shown to the operator or member.
import { GatewayError } from '../common/errors.ts';

export class InvalidAddressError extends GatewayError {
  override readonly name = 'InvalidAddressError';
  constructor(reason: string) {
    super('invalid', `Invalid Ethereum address: ${reason}`);
  }
}

export class InvalidLabelError extends GatewayError {
  override readonly name = 'InvalidLabelError';
  constructor(reason: string) {
    super('invalid', `Invalid label: ${reason}`);
  }
}

export class KeyNotFoundError extends GatewayError {
  override readonly name = 'KeyNotFoundError';
  constructor(reference: string) {
    super('not_found', `No API key matches ${reference}`);
  }
}

/** A prefix that matches more than one key: refusing is safer than revoking the wrong one. */
export class AmbiguousKeyError extends GatewayError {
  override readonly name = 'AmbiguousKeyError';
  constructor(
    reference: string,
    readonly matchingIds: string[],
  ) {
    super('conflict', `${reference} matches ${matchingIds.length} keys (ids ${matchingIds.join(', ')}); use the id or a longer prefix`);
  }
}

export class InvalidKeyReferenceError extends GatewayError {
  override readonly name = 'InvalidKeyReferenceError';
  constructor(shown: string, expected: string) {
    super('invalid', `Cannot tell which key ${shown} means: ${expected}`);
  }
}
