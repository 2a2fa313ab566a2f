// Sign-in challenges: one printable line (livepeer_cli's "Sign a message" prompt reads lines), naming the
// gateway, a random single-use nonce, when it was issued and when it expires.
import { randomBytes } from 'node:crypto';
import { GatewayError } from '../common/errors.ts';
import type { NonceState } from '../store/nonces.ts';

export const DEFAULT_CHALLENGE_TTL_MS = 10 * 60_000;

export interface Challenge {
  message: string;
  domain: string;
  /** 32 lower-case hex digits (128 random bits). */
  nonce: string;
  /** Whole seconds, exactly as written in the message. */
  issuedAt: Date;
  expiresAt: Date;
}

/** Where issued nonces live until used or expired: store/nonces.ts, in the database every replica shares. */
export interface NonceStore {
  issue(nonce: string, expiresAt: Date): Promise<void>;
  /** Marks the nonce used, atomically: of two concurrent calls at most one gets 'ok'. */
  consume(nonce: string, now?: Date): Promise<NonceState>;
}

export type ChallengeProblem = 'malformed' | 'wrong_domain' | NonceState;

/** The signed message is not a challenge this gateway can still accept. HTTP 400, reason in words. */
export class ChallengeRejectedError extends GatewayError {
  override readonly name = 'ChallengeRejectedError';
  constructor(
    readonly problem: Exclude<ChallengeProblem, 'ok'>,
    message: string,
  ) {
    super('invalid', message);
  }
}

const DOMAIN = /^(?:\[[0-9a-fA-F:.]+\]|[A-Za-z0-9](?:[A-Za-z0-9.-]{0,251}[A-Za-z0-9])?)(?::\d{1,5})?$/;
const ISO_SECONDS = String.raw`\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z`;
const MESSAGE = new RegExp(
  String.raw`^Sign in to the Livepeer RPC gateway at (\S+)\. Nonce: ([0-9a-f]{32})\. Issued at: (${ISO_SECONDS})\. Expires at: (${ISO_SECONDS})\.$`,
);

export interface CreateChallengeOptions {
  ttlMs?: number;
  /** Source of the nonce's 16 random bytes; tests may fix it. */
  random?: (size: number) => Uint8Array;
}

/** Builds a new challenge for `domain` (host[:port] the member sees). Issue its nonce to a NonceStore before showing it. */
export function createChallenge(domain: string, now: Date = new Date(), options: CreateChallengeOptions = {}): Challenge {
  if (!DOMAIN.test(domain)) throw new ChallengeRejectedError('malformed', `Cannot build a challenge for domain "${domain.slice(0, 80)}"`);
  const ttlMs = options.ttlMs ?? DEFAULT_CHALLENGE_TTL_MS;
  if (!Number.isFinite(ttlMs) || ttlMs < 1000) throw new ChallengeRejectedError('malformed', 'A challenge must live at least one second');
  const nonce = Buffer.from((options.random ?? randomBytes)(16)).toString('hex');
  const issuedAt = new Date(Math.floor(now.getTime() / 1000) * 1000);
  const expiresAt = new Date(issuedAt.getTime() + Math.floor(ttlMs / 1000) * 1000);
  const message =
    `Sign in to the Livepeer RPC gateway at ${domain}. Nonce: ${nonce}. ` +
    `Issued at: ${iso(issuedAt)}. Expires at: ${iso(expiresAt)}.`;
  return { message, domain, nonce, issuedAt, expiresAt };
}

/** Creates a challenge and records its nonce, so it can be redeemed once. */
export async function issueChallenge(store: NonceStore, domain: string, now: Date = new Date(), options: CreateChallengeOptions = {}): Promise<Challenge> {
  const challenge = createChallenge(domain, now, options);
  await store.issue(challenge.nonce, challenge.expiresAt);
  return challenge;
}

/** EIP-712 form of a challenge, for livepeer_cli's "Sign typed data" (newer releases); same nonce, same expiry. */
export const SIGN_IN_TYPES = {
  EIP712Domain: [
    { name: 'name', type: 'string' },
    { name: 'version', type: 'string' },
  ],
  SignIn: [
    { name: 'gateway', type: 'string' },
    { name: 'nonce', type: 'string' },
    { name: 'issuedAt', type: 'string' },
    { name: 'expiresAt', type: 'string' },
  ],
} as const;

export function typedChallenge(challenge: Challenge) {
  return {
    types: SIGN_IN_TYPES,
    primaryType: 'SignIn' as const,
    domain: { name: 'Livepeer RPC gateway', version: '1' },
    message: {
      gateway: challenge.domain,
      nonce: challenge.nonce,
      issuedAt: iso(challenge.issuedAt),
      expiresAt: iso(challenge.expiresAt),
    },
  };
}

/** The typed data as one JSON line, the shape go-ethereum's apitypes.TypedData (and so the node) reads. */
export function typedChallengeJson(challenge: Challenge): string {
  return JSON.stringify(typedChallenge(challenge));
}

/** Reads a challenge back from the signed message; a pasted line ending is tolerated. */
export function parseChallenge(message: unknown): Challenge {
  const line = typeof message === 'string' ? message.replace(/[\r\n]+$/, '') : '';
  const m = line.length <= 1024 ? MESSAGE.exec(line) : null;
  if (!m) {
    throw new ChallengeRejectedError(
      'malformed',
      'The message is not a sign-in challenge from this gateway; get a new challenge and sign it unchanged',
    );
  }
  const [, domain, nonce, issued, expires] = m as unknown as [string, string, string, string, string];
  const issuedAt = new Date(issued);
  const expiresAt = new Date(expires);
  if (!DOMAIN.test(domain) || Number.isNaN(issuedAt.getTime()) || Number.isNaN(expiresAt.getTime()) || expiresAt <= issuedAt) {
    throw new ChallengeRejectedError('malformed', 'The challenge has an invalid domain or dates; get a new challenge');
  }
  return { message: line, domain, nonce, issuedAt, expiresAt };
}

/**
 * Accepts a signed challenge exactly once: it must be ours (domain), unexpired and unused.
 * Verify the signature first, so a bad signature does not burn the member's nonce.
 */
export async function redeemChallenge(
  message: unknown,
  opts: { domain: string; store: NonceStore; now?: Date },
): Promise<Challenge> {
  const challenge = parseChallenge(message);
  const now = opts.now ?? new Date();
  if (challenge.domain.toLowerCase() !== opts.domain.toLowerCase()) {
    throw new ChallengeRejectedError('wrong_domain', `This challenge was issued for ${challenge.domain}, not for ${opts.domain}`);
  }
  if (now.getTime() >= challenge.expiresAt.getTime()) throw expired(challenge);
  const state = await opts.store.consume(challenge.nonce, now);
  switch (state) {
    case 'ok':
      return challenge;
    case 'expired':
      throw expired(challenge);
    case 'used':
      throw new ChallengeRejectedError('used', 'This challenge was already used to sign in; get a new challenge');
    case 'unknown':
      throw new ChallengeRejectedError('unknown', 'This gateway did not issue this challenge (or forgot it); get a new challenge');
  }
}

function expired(challenge: Challenge): ChallengeRejectedError {
  return new ChallengeRejectedError('expired', `This challenge expired at ${iso(challenge.expiresAt)}; get a new challenge`);
}

function iso(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}
