// Hex as Ethereum JSON-RPC writes it: quantities, block numbers, fixed-size bytes (addresses, hashes) and data.
// Each reader returns the canonical form (undefined when the value is not one), so validation (is this
// certainly malformed?) and cache keys (do two calls mean the same?) share one definition.

const HEX_DIGITS = /^[0-9a-fA-F]+$/;

function hexBody(v: unknown, maxDigits: number): string | undefined {
  if (typeof v !== 'string' || !v.startsWith('0x')) return undefined;
  const body = v.slice(2);
  return body.length >= 1 && body.length <= maxDigits && HEX_DIGITS.test(body) ? body : undefined;
}

/** A hex quantity up to 256 bits, without leading zeros: `0x0001` and `0x1` are the same number. */
export function quantity(v: unknown): string | undefined {
  const body = hexBody(v, 64);
  if (body === undefined) return undefined;
  // Leading zeros off (one kept for zero itself) and lower case, without a BigInt round trip: this runs on
  // every cache key with a block number in it.
  let start = 0;
  while (start < body.length - 1 && body.charCodeAt(start) === 48) start++;
  const digits = (start === 0 ? body : body.slice(start)).toLowerCase();
  return digits === body ? (v as string) : `0x${digits}`;
}

/** A block number (uint64 on every client) that fits a JS number, else undefined. */
export function blockNumber(v: unknown): number | undefined {
  const body = hexBody(v, 16);
  if (body === undefined) return undefined;
  const n = Number.parseInt(body, 16);
  return Number.isSafeInteger(n) ? n : undefined;
}

/** Hex of a fixed byte length, lower-cased (addresses and hashes carry no meaning in their case). */
export function fixedHex(v: unknown, bytes: number): string | undefined {
  const body = hexBody(v, bytes * 2);
  return body !== undefined && body.length === bytes * 2 ? `0x${body.toLowerCase()}` : undefined;
}

export const address = (v: unknown): string | undefined => fixedHex(v, 20);
export const hash = (v: unknown): string | undefined => fixedHex(v, 32);

/** Byte data: case is free, but every digit (leading zeros included) is content. */
export function data(v: unknown): string | undefined {
  if (v === '0x') return v;
  const body = hexBody(v, Number.MAX_SAFE_INTEGER);
  return body !== undefined && body.length % 2 === 0 ? `0x${body.toLowerCase()}` : undefined;
}
