// Errors of sign-in and the portal. Messages are shown to the member as they are: they say what happened
// and what to do, and never carry a key, a session token or a database detail.
import { GatewayError, RpcCode } from '../rpc/errors.ts';

/** A valid signature from an address that may not have a key (or session): says why and what to do. */
export class NotEligibleError extends GatewayError {
  override readonly name = 'NotEligibleError';
  constructor(
    readonly address: string,
    why: string,
    whatToDo: string,
  ) {
    super(RpcCode.ResourceNotFound, `${why} ${whatToDo}`, 403);
  }
}

/** The request needs a signed-in member. */
export class SessionRequiredError extends GatewayError {
  override readonly name = 'SessionRequiredError';
  constructor() {
    super(RpcCode.ResourceNotFound, 'Sign in first: your session is missing or has expired.', 401);
  }
}

/** A state-changing request that did not come from the portal's own pages. */
export class CsrfRejectedError extends GatewayError {
  override readonly name = 'CsrfRejectedError';
  constructor(why: string) {
    super(RpcCode.InvalidInput, `Refused: ${why}. Reload the page and try again.`, 403);
  }
}

export class RateLimitedError extends GatewayError {
  override readonly name = 'RateLimitedError';
  constructor(readonly retryAfterSeconds: number) {
    super(RpcCode.LimitExceeded, `Too many sign-in attempts from your address; try again in ${retryAfterSeconds} s.`, 429);
  }
}

/** The form or JSON body cannot be read as what the endpoint expects. */
export class BadInputError extends GatewayError {
  override readonly name = 'BadInputError';
  constructor(message: string) {
    super(RpcCode.InvalidParams, message, 400);
  }
}

/** The database did not answer; the portal says so instead of failing with a stack. */
export class PortalUnavailableError extends GatewayError {
  override readonly name = 'PortalUnavailableError';
  constructor(cause?: unknown) {
    super(RpcCode.ResourceUnavailable, 'The member database is unavailable right now; try again in a minute.', 503, { cause });
  }
}

/** A member may hold only so many active keys at once: enough for every node, not a key factory. */
export class TooManyKeysError extends GatewayError {
  override readonly name = 'TooManyKeysError';
  constructor(activeKeys: number) {
    super(RpcCode.LimitExceeded, `You already have ${activeKeys} active keys; revoke one in My keys before creating another.`, 409);
  }
}
