// What became of one sign-in attempt, as a closed set of words: a metric label, a log field, and what
// the operator reads when an orchestrator says "I cannot get a key".
import { InvalidAddressError, InvalidLabelError } from '../membership/errors.ts';
import { ChallengeRejectedError } from '../signin/challenge.ts';
import { InvalidSignatureError, SignerMismatchError, UnknownSignerError } from '../signin/signature.ts';
import type { SignInOutcome } from '../signin/events.ts';
import { GatewayError, type ErrorKind } from '../common/errors.ts';
import { NotEligibleError } from '../signin/signIn.ts';
import { CsrfRejectedError, PortalUnavailableError, RateLimitedError, TooManyKeysError } from './errors.ts';
import { BadInputError } from '../common/errors.ts';

/** Kinds of refusal that are about what the client sent, not about the gateway. */
const SENDER_KINDS: ReadonlySet<ErrorKind> = new Set(['invalid', 'unauthenticated', 'forbidden', 'not_found', 'conflict', 'too_large', 'rate_limited']);

/** The outcome of a failed attempt, and the address it concerned when the signature told one. */
export function signInFailure(err: unknown): { outcome: Exclude<SignInOutcome, 'ok'>; address?: string } {
  if (err instanceof NotEligibleError) return { outcome: 'not_eligible', address: err.address.toLowerCase() };
  if (err instanceof UnknownSignerError) return { outcome: 'not_eligible', address: err.recovered.toLowerCase() };
  if (err instanceof SignerMismatchError) return { outcome: 'signer_mismatch', address: err.claimed.toLowerCase() };
  if (err instanceof InvalidSignatureError) return { outcome: 'bad_signature' };
  if (err instanceof ChallengeRejectedError) return { outcome: 'challenge_rejected' };
  if (err instanceof RateLimitedError) return { outcome: 'rate_limited' };
  if (err instanceof TooManyKeysError) return { outcome: 'too_many_keys' };
  if (err instanceof CsrfRejectedError) return { outcome: 'cross_origin' };
  if (err instanceof PortalUnavailableError) return { outcome: 'unavailable' };
  if (err instanceof BadInputError || err instanceof InvalidAddressError || err instanceof InvalidLabelError) return { outcome: 'bad_input' };
  // Any other refusal of what was sent (a body over the limit, unreadable bytes) is the sender's input too.
  if (err instanceof GatewayError && SENDER_KINDS.has(err.kind)) return { outcome: 'bad_input' };
  return { outcome: 'error' };
}
