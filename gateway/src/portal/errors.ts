// Errors of sign-in and the portal. Messages are shown to the member as they are: they say what happened
// and what to do, and never carry a key, a session token or a database detail.
import { GatewayError } from '../common/errors.ts';

/** The request needs a signed-in member. */
export class SessionRequiredError extends GatewayError {
  override readonly name = 'SessionRequiredError';
  constructor() {
    super('unauthenticated', 'Sign in first: your session is missing or has expired.');
  }
}

/** A state-changing request that did not come from the portal's own pages. */
export class CsrfRejectedError extends GatewayError {
  override readonly name = 'CsrfRejectedError';
  constructor(why: string) {
    super('forbidden', `Refused: ${why}. Reload the page and try again.`);
  }
}

export class RateLimitedError extends GatewayError {
  override readonly name = 'RateLimitedError';
  constructor(readonly retryAfterSeconds: number) {
    super('rate_limited', `Too many sign-in attempts from your address; try again in ${retryAfterSeconds} s.`);
  }
}

/** The database did not answer; the portal says so instead of failing with a stack. */
export class PortalUnavailableError extends GatewayError {
  override readonly name = 'PortalUnavailableError';
  constructor(cause?: unknown) {
    super('unavailable', 'The member database is unavailable right now; try again in a minute.', { cause });
  }
}

/** A member may hold only so many active keys at once: enough for every node, not a key factory. */
export class TooManyKeysError extends GatewayError {
  override readonly name = 'TooManyKeysError';
  constructor(activeKeys: number) {
    super('conflict', `You already have ${activeKeys} active keys; revoke one in My keys before creating another.`);
  }
}
