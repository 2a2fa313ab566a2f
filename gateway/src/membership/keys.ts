// Key management as the admin command and the portal use it: create (shown once), list, revoke.
import type pgPromise from 'pg-promise';
import { ApiKeyRepo, type ApiKeyListing } from '../store/apiKeys.ts';
import { MemberRepo } from '../store/members.ts';
import { normalizeAddress } from './address.ts';
import { API_KEY_PREFIX_LENGTH, generateApiKey, hashApiKey, isWellFormedApiKey } from '../access/apiKey.ts';
import { AmbiguousKeyError, InvalidKeyReferenceError, InvalidLabelError, KeyNotFoundError } from './errors.ts';

type HasDb = { db: pgPromise.IDatabase<unknown> };

export interface CreatedKey extends ApiKeyListing {
  /** The key itself: give it to its owner now, it cannot be shown again. */
  key: string;
}

/** Grant the address membership (by the operator) and create a key for it. */
export async function createMemberKey(database: HasDb, input: { address: string; label?: string | null }): Promise<CreatedKey> {
  const memberAddress = normalizeAddress(input.address);
  const label = checkLabel(input.label);
  const { key, hash, prefix } = generateApiKey();
  const row = await database.db.tx('create-key', async (t) => {
    await new MemberRepo(t).grantByOperator(memberAddress, label);
    return new ApiKeyRepo(t).insert({ hash, prefix, memberAddress, label });
  });
  return { ...row, key };
}

export function listKeys(database: HasDb): Promise<ApiKeyListing[]> {
  return new ApiKeyRepo(database.db).list();
}

export interface RevokeResult {
  key: ApiKeyListing;
  /** True when the key had been revoked before this call. */
  alreadyRevoked: boolean;
}

/**
 * Revoke the one key `ref` names: its id, the start of its display prefix (at least 4 characters),
 * or the whole key. A reference matching several keys is refused.
 */
export async function revokeKey(database: HasDb, ref: string): Promise<RevokeResult> {
  const repo = new ApiKeyRepo(database.db);
  const { query, shown } = parseKeyReference(ref.trim());
  const matches = await repo.match(query);
  if (matches.length === 0) throw new KeyNotFoundError(shown);
  if (matches.length > 1) throw new AmbiguousKeyError(shown, matches.map((k) => k.id));
  const target = matches[0]!;
  const revoked = await repo.revoke(target.id);
  return revoked ? { key: revoked, alreadyRevoked: false } : { key: target, alreadyRevoked: true };
}

/** How to look a reference up, and how to name it in a message (never the key itself). */
export function parseKeyReference(ref: string): { query: { id?: string; prefix?: string; hash?: string }; shown: string } {
  if (isWellFormedApiKey(ref)) return { query: { hash: hashApiKey(ref) }, shown: 'the given key' };
  const prefixLike = new RegExp(`^[A-Za-z0-9_-]{4,${API_KEY_PREFIX_LENGTH}}$`).test(ref);
  if (/^\d{1,18}$/.test(ref)) {
    return { query: prefixLike ? { id: ref, prefix: ref } : { id: ref }, shown: prefixLike ? `id or prefix "${ref}"` : `id ${ref}` };
  }
  if (prefixLike) return { query: { prefix: ref }, shown: `prefix "${ref}"` };
  // Something else, maybe a mistyped key: show only its start.
  const shown = ref.length > API_KEY_PREFIX_LENGTH ? `"${ref.slice(0, 4)}…" (${ref.length} characters)` : `"${ref}"`;
  throw new InvalidKeyReferenceError(shown, `give a key id, 4 to ${API_KEY_PREFIX_LENGTH} characters of its prefix, or the whole key`);
}

export function checkLabel(label: string | null | undefined): string | null {
  if (label === undefined || label === null) return null;
  const s = label.trim();
  if (s === '') return null;
  if (s.length > 200) throw new InvalidLabelError(`at most 200 characters, got ${s.length}`);
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(s)) throw new InvalidLabelError('control characters (newlines, tabs) are not allowed');
  return s;
}
