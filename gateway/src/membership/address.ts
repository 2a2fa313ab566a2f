// Ethereum addresses as members are identified: checked, then stored lower-case.
import { isAddress } from 'viem';
import { address } from '../evm/hex.ts';
import { InvalidAddressError } from './errors.ts';

/** Lower-case form of a valid address; a mixed-case address must carry a correct EIP-55 checksum. */
export function normalizeAddress(input: string): string {
  const s = input.trim();
  if (address(s) === undefined) {
    throw new InvalidAddressError(`expected 0x followed by 40 hex digits, got ${describe(s)}`);
  }
  const hex = s.slice(2);
  const unchecksummed = hex === hex.toLowerCase() || hex === hex.toUpperCase(); // EIP-55: single case carries no checksum
  if (!unchecksummed && !isAddress(s, { strict: true })) {
    throw new InvalidAddressError(`${s} has a wrong EIP-55 checksum (mixed case); check for a typo or pass it all lower-case`);
  }
  return s.toLowerCase();
}

function describe(s: string): string {
  if (s === '') return 'nothing';
  const shown = s.length > 50 ? `${s.slice(0, 50)}…` : s;
  return `"${shown}" (${s.length} characters)`;
}
