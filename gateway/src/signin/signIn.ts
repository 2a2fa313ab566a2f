// One sign-in attempt: the message must be our challenge, the signature must recover an address that may
// proceed, and only then is the challenge redeemed (so a wrong account or a non-member does not burn it).
import type { Address } from 'viem';
import { parseChallenge, redeemChallenge, type NonceStore } from './challenge.ts';
import { UnknownSignerError, verifySignature, type SignatureVariant } from './signature.ts';
import { BadInputError, GatewayError } from '../common/errors.ts';

/** Whether an address may go on (get a key, open a session); when not, the member-facing why and what to do. */
export type Admission = { allowed: true } | { allowed: false; why: string; whatToDo: string };

/** A valid signature from an address that may not have a key (or session): says why and what to do. */
export class NotEligibleError extends GatewayError {
  override readonly name = 'NotEligibleError';
  constructor(
    readonly address: string,
    why: string,
    whatToDo: string,
  ) {
    super('forbidden', `${why} ${whatToDo}`);
  }
}

export interface SignInRequest {
  message: unknown;
  signature: unknown;
  /** Optional: the address the member claims. */
  address?: unknown;
}

export interface SignInDeps {
  /** host[:port] of PUBLIC_URL: the only domain our challenges may name. */
  domain: string;
  nonces: NonceStore;
  admit(lowerCaseAddress: string): Promise<Admission>;
  now?: () => Date;
}

export interface SignedIn {
  address: Address;
  variant: SignatureVariant;
}

export async function signIn(request: SignInRequest, deps: SignInDeps): Promise<SignedIn> {
  parseChallenge(request.message); // garbage is refused before any signature work
  const claimed = claimedAddress(request.address);
  const verdicts = new Map<string, Admission>();
  const admit = async (address: string): Promise<Admission> => {
    let verdict = verdicts.get(address);
    if (!verdict) verdicts.set(address, (verdict = await deps.admit(address)));
    return verdict;
  };
  let signer;
  try {
    signer = await verifySignature(
      request.message as string,
      request.signature,
      claimed === undefined ? { isCandidate: async (a) => (await admit(a)).allowed } : { address: claimed },
    );
  } catch (err) {
    // No variant recovers an admitted address: explain for the most likely signer (current livepeer_cli format).
    if (err instanceof UnknownSignerError) refuseUnless(err.recovered, await admit(err.recovered.toLowerCase()));
    throw err;
  }
  refuseUnless(signer.address, await admit(signer.address.toLowerCase()));
  await redeemChallenge(request.message, { domain: deps.domain, store: deps.nonces, now: deps.now?.() });
  return { address: signer.address, variant: signer.variant };
}

function claimedAddress(value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw new BadInputError('address must be text: 0x followed by 40 hex digits');
  return value.trim() === '' ? undefined : value;
}

function refuseUnless(address: string, verdict: Admission): void {
  if (!verdict.allowed) throw new NotEligibleError(address, verdict.why, verdict.whatToDo);
}
