// What a sign-in attempt came to, as a closed set of words: a metric label, a log field, and what the
// operator reads when an orchestrator says "I cannot get a key" (portal/signInOutcome.ts maps errors to them).

export const SIGN_IN_OUTCOMES = [
  'ok',
  'bad_input',
  'bad_signature',
  'signer_mismatch',
  'not_eligible',
  'challenge_rejected',
  'rate_limited',
  'too_many_keys',
  'cross_origin',
  'unavailable',
  'error',
] as const;
export type SignInOutcome = (typeof SIGN_IN_OUTCOMES)[number];

export type SignInEvent = {
  /** One POST /auth/verify: a key or a session asked for with a signed challenge. */
  type: 'signin.attempt';
  purpose: 'key' | 'session';
  outcome: SignInOutcome;
  /** Lower-case; present when the signature (or the claim it was checked against) named one. Public data. */
  address?: string;
  /** Which signing form matched (eip191, legacy prefix, typed data...), on success. */
  variant?: string;
  durationMs: number;
};
