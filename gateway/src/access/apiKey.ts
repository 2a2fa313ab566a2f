// API keys: 32 random bytes, base64url (43 characters). Only the SHA-256 hash is ever stored.
import { createHash, randomBytes } from 'node:crypto';
import * as crypto from 'node:crypto';

export const API_KEY_BYTES = 32;
export const API_KEY_LENGTH = 43;
/** Characters of the key kept in the database to recognise it in a list (48 of 256 bits). */
export const API_KEY_PREFIX_LENGTH = 8;

// 43 base64url characters carry 258 bits, so the last one encodes 4 data bits and 2 zero bits.
const WELL_FORMED = /^[A-Za-z0-9_-]{42}[AEIMQUYcgkosw048]$/;

export interface NewApiKey {
  /** Shown once to its owner, then forgotten. */
  key: string;
  /** Hex SHA-256 of the key: what the database stores and looks up. */
  hash: string;
  prefix: string;
}

export function generateApiKey(): NewApiKey {
  const key = randomBytes(API_KEY_BYTES).toString('base64url');
  return { key, hash: hashApiKey(key), prefix: apiKeyPrefix(key) };
}

// crypto.hash (Node >= 20.12) hashes in one call, without a Hash object: it is on every request's path.
const oneShot = (crypto as { hash?: (algorithm: string, data: string, encoding: 'hex') => string }).hash;

export function hashApiKey(key: string): string {
  return oneShot ? oneShot('sha256', key, 'hex') : createHash('sha256').update(key, 'utf8').digest('hex');
}

export function apiKeyPrefix(key: string): string {
  return key.slice(0, API_KEY_PREFIX_LENGTH);
}

/** Cheap shape check before any database look-up: exactly what generateApiKey can produce. */
export function isWellFormedApiKey(s: string): boolean {
  return typeof s === 'string' && s.length === API_KEY_LENGTH && WELL_FORMED.test(s);
}
