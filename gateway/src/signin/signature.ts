// Sign-in signatures as livepeer_cli makes them, in every release an orchestrator may still run.
// go-livepeer is the reference: the CLI's signMessage wizard, the node's /signMessage handler and
// eth/accountmanager.go Sign. Current releases sign EIP-191 personal_sign (accounts.TextHash) with v 27/28;
// older ones hashed "\x19Ethereum Signed Message:\n32" + message whatever its length, with v 0/1, and the
// CLI read one line keeping its newline. Newer CLIs can also sign EIP-712 typed data ("Sign typed data"),
// which we accept for a challenge in its typed form. We try each way and report which one matched.
import { concat, getAddress, hashMessage, hashTypedData, keccak256, recoverAddress, stringToBytes, type Address, type Hex } from 'viem';
import { GatewayError } from '../common/errors.ts';
import { normalizeAddress } from '../membership/address.ts';
import { parseChallenge, typedChallenge } from './challenge.ts';

/** eip191: the standard prefix with the message's byte length; fixed32: old go-livepeer, which always wrote 32. */
export type MessagePrefix = 'eip191' | 'fixed32';
/** eip712: the challenge's typed-data form (typedChallenge), signed with "Sign typed data". */
export type SignatureScheme = MessagePrefix | 'eip712';
/** What followed the message when it was signed: old CLIs kept the newline (LF, or CRLF on Windows) of the line. */
export type MessageEnding = 'none' | 'lf' | 'crlf';

export interface SignatureVariant {
  scheme: SignatureScheme;
  ending: MessageEnding;
  /** The recovery byte as given: 27/28 from current nodes, 0/1 from old ones. */
  v: 0 | 1 | 27 | 28;
}

export interface VerifiedSigner {
  /** EIP-55 checksummed. */
  address: Address;
  variant: SignatureVariant;
  /**
   * How the variant was chosen. Any signature recovers *some* address under every variant, so without
   * a claimed address or a predicate only the current format can be assumed.
   */
  matchedBy: 'address' | 'predicate' | 'assumed';
}

export interface VerifySignatureOptions {
  /** The address the member claims; the signature must recover to it under some variant. */
  address?: string;
  /** Without `address`: the first variant whose signer this accepts (e.g. "is a member or active orchestrator") wins. */
  isCandidate?: (lowerCaseAddress: string) => boolean | Promise<boolean>;
}

export type SignatureProblem = 'empty' | 'bad_hex' | 'wrong_length' | 'bad_v' | 'unrecoverable' | 'bad_message';

/** The signature text cannot be a livepeer_cli signature at all. */
export class InvalidSignatureError extends GatewayError {
  override readonly name = 'InvalidSignatureError';
  constructor(
    readonly problem: SignatureProblem,
    message: string,
  ) {
    super('invalid', `Invalid signature: ${message}`);
  }
}

/** A well-formed signature that was not made by the claimed address over this message. */
export class SignerMismatchError extends GatewayError {
  override readonly name = 'SignerMismatchError';
  constructor(
    readonly claimed: Address,
    readonly recovered: Address,
  ) {
    super(
      'invalid',
      `The signature does not match ${claimed}: for this message it was made by ${recovered}. ` +
        'Sign the exact challenge, unchanged, with the account of the address you claim.',
    );
  }
}

/** A valid signature whose signer the caller's predicate refused under every variant. */
export class UnknownSignerError extends GatewayError {
  override readonly name = 'UnknownSignerError';
  constructor(
    readonly recovered: Address,
    /** Every address the signature stands for, one per variant, most likely first. */
    readonly candidates: Address[],
  ) {
    super(
      'forbidden',
      `The signature was made by ${recovered}, which is not an active orchestrator or a member of this gateway. ` +
        'If that is not your orchestrator address, send your address with the signature.',
    );
  }
}

const MAX_MESSAGE_LENGTH = 4096;
const FIXED32_PREFIX = stringToBytes('\x19Ethereum Signed Message:\n32');
const ENDINGS: Record<MessageEnding, string> = { none: '', lf: '\n', crlf: '\r\n' };
/** Most likely first: current CLIs send the line as it is; old ones kept its newline. */
const ORDER: ReadonlyArray<[MessagePrefix, MessageEnding]> = [
  ['eip191', 'none'],
  ['eip191', 'lf'],
  ['eip191', 'crlf'],
  ['fixed32', 'lf'],
  ['fixed32', 'crlf'],
  ['fixed32', 'none'],
];

/**
 * Reads a pasted signature: surrounding whitespace, line breaks a terminal inserted, a "Signature:" label
 * and the 0x prefix are all optional. Returns the 65 bytes as hex, with v checked.
 */
export function parseSignatureText(text: unknown): { hex: Hex; v: SignatureVariant['v'] } {
  if (typeof text !== 'string') throw new InvalidSignatureError('empty', 'expected the signature as text');
  let s = text.replace(/\s+/g, '');
  s = s.replace(/^signature:/i, '').replace(/^0x/i, '');
  if (s === '') throw new InvalidSignatureError('empty', 'nothing was pasted');
  const bad = /[^0-9a-fA-F]/.exec(s);
  if (bad) {
    throw new InvalidSignatureError('bad_hex', `character ${bad.index + 1} is not a hex digit; paste the 0x... line livepeer_cli printed`);
  }
  if (s.length !== 130) {
    throw new InvalidSignatureError(
      'wrong_length',
      `expected 65 bytes (130 hex digits), got ${s.length} hex digits; copy the whole line livepeer_cli printed after "Signature:"`,
    );
  }
  const v = Number.parseInt(s.slice(128), 16);
  if (v !== 0 && v !== 1 && v !== 27 && v !== 28) {
    throw new InvalidSignatureError('bad_v', `the last byte (v) must be 0, 1, 27 or 28, got ${v}`);
  }
  return { hex: `0x${s.toLowerCase()}`, v };
}

/** The digest signed for `message` under one prefix: what go-ethereum's TextHash or old go-livepeer computed. */
export function signedHash(message: string, prefix: MessagePrefix): Hex {
  if (prefix === 'eip191') return hashMessage(message);
  return keccak256(concat([FIXED32_PREFIX, stringToBytes(message)]));
}

/**
 * Recovers who signed `message`. With `address`, succeeds only if some variant recovers it; with `isCandidate`,
 * returns the first variant whose signer it accepts; with neither, assumes the current livepeer_cli format.
 */
export async function verifySignature(message: string, signature: unknown, options: VerifySignatureOptions = {}): Promise<VerifiedSigner> {
  const base = baseMessage(message);
  const { hex, v } = parseSignatureText(signature);
  const claimed = options.address === undefined ? undefined : normalizeAddress(options.address);
  const candidates: Address[] = [];
  for (const [scheme, ending, hash] of signedHashes(base)) {
    const address = await recover(hash, hex);
    const variant: SignatureVariant = { scheme, ending, v };
    candidates.push(address);
    if (claimed !== undefined) {
      if (address.toLowerCase() === claimed) return { address, variant, matchedBy: 'address' };
    } else if (options.isCandidate) {
      if (await options.isCandidate(address.toLowerCase())) return { address, variant, matchedBy: 'predicate' };
    } else {
      return { address, variant, matchedBy: 'assumed' };
    }
  }
  const [first] = candidates as [Address, ...Address[]];
  if (claimed !== undefined) throw new SignerMismatchError(getAddress(claimed), first);
  throw new UnknownSignerError(first, candidates);
}

/** Each digest the member may have signed, most likely first; the typed form only for one of our challenges. */
function* signedHashes(base: string): Generator<[SignatureScheme, MessageEnding, Hex]> {
  for (const [prefix, ending] of ORDER) yield [prefix, ending, signedHash(base + ENDINGS[ending], prefix)];
  let challenge;
  try {
    challenge = parseChallenge(base);
  } catch {
    return; // not a challenge: it has no typed form
  }
  yield ['eip712', 'none', hashTypedData(typedChallenge(challenge))];
}

/** The message without the line ending a paste may carry; each variant adds back the ending it tries. */
function baseMessage(message: unknown): string {
  if (typeof message !== 'string' || message.length === 0) {
    throw new InvalidSignatureError('bad_message', 'the signed message is missing');
  }
  if (message.length > MAX_MESSAGE_LENGTH) {
    throw new InvalidSignatureError('bad_message', `the signed message is longer than ${MAX_MESSAGE_LENGTH} characters`);
  }
  return message.replace(/[\r\n]+$/, '');
}

async function recover(hash: Hex, signature: Hex): Promise<Address> {
  try {
    return await recoverAddress({ hash, signature });
  } catch (err) {
    // r or s out of range, or no curve point for r: no key can have made it
    throw new InvalidSignatureError('unrecoverable', `not a valid secp256k1 signature (${shortReason(err)})`);
  }
}

function shortReason(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  return text.split('\n')[0]!.slice(0, 120);
}

