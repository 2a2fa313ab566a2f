// SQL for API keys. Keys are found by their SHA-256 hash: the key itself never reaches a query.
import type pgPromise from 'pg-promise';

/** What the key check needs to know about a key. */
export interface ApiKeyRecord {
  id: string;
  memberAddress: string;
  revoked: boolean;
  memberActive: boolean;
}

/** A key as an operator sees it in a list: never its hash. */
export interface ApiKeyListing {
  id: string;
  prefix: string;
  memberAddress: string;
  label: string | null;
  createdAt: Date;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
}

export interface NewApiKeyRow {
  hash: string;
  prefix: string;
  memberAddress: string;
  label: string | null;
}

const LISTING = `id::text AS id, prefix, member_address AS "memberAddress", label,
  created_at AS "createdAt", last_used_at AS "lastUsedAt", revoked_at AS "revokedAt"`;

export class ApiKeyRepo {
  constructor(private readonly db: pgPromise.IBaseProtocol<unknown>) {}

  findByHash(hash: string): Promise<ApiKeyRecord | null> {
    return this.db.oneOrNone<ApiKeyRecord>(
      `SELECT k.id::text AS id, k.member_address AS "memberAddress", k.revoked_at IS NOT NULL AS revoked,
              (m.active_until IS NULL OR m.active_until > now()) AS "memberActive"
         FROM api_keys k JOIN members m ON m.address = k.member_address
        WHERE k.key_hash = $1`,
      [hash],
    );
  }

  insert(row: NewApiKeyRow): Promise<ApiKeyListing> {
    return this.db.one<ApiKeyListing>(
      `INSERT INTO api_keys (key_hash, prefix, member_address, label) VALUES ($1, $2, $3, $4) RETURNING ${LISTING}`,
      [row.hash, row.prefix, row.memberAddress, row.label],
    );
  }

  list(): Promise<ApiKeyListing[]> {
    return this.db.any<ApiKeyListing>(`SELECT ${LISTING} FROM api_keys ORDER BY id`);
  }

  /** Keys whose id is `id` or whose display prefix starts with `prefix` (either may be omitted). */
  match(ref: { id?: string; prefix?: string; hash?: string }): Promise<ApiKeyListing[]> {
    return this.db.any<ApiKeyListing>(
      `SELECT ${LISTING} FROM api_keys
        WHERE ($1::bigint IS NOT NULL AND id = $1::bigint)
           OR ($2::text IS NOT NULL AND left(prefix, char_length($2::text)) = $2::text)
           OR ($3::text IS NOT NULL AND key_hash = $3::text)
        ORDER BY id`,
      [ref.id ?? null, ref.prefix ?? null, ref.hash ?? null],
    );
  }

  /** Revoke a key; null when it was already revoked (or does not exist). */
  revoke(id: string): Promise<ApiKeyListing | null> {
    return this.db.oneOrNone<ApiKeyListing>(
      `UPDATE api_keys SET revoked_at = now() WHERE id = $1::bigint AND revoked_at IS NULL RETURNING ${LISTING}`,
      [id],
    );
  }

  /** Revoke a key only if it belongs to this member; null when it does not, or was already revoked. */
  revokeForMember(id: string, memberAddress: string): Promise<ApiKeyListing | null> {
    return this.db.oneOrNone<ApiKeyListing>(
      `UPDATE api_keys SET revoked_at = now()
        WHERE id = $1::bigint AND member_address = $2 AND revoked_at IS NULL RETURNING ${LISTING}`,
      [id, memberAddress],
    );
  }

  /** One key of this member, revoked or not; null when the member has no such key. */
  findForMember(id: string, memberAddress: string): Promise<ApiKeyListing | null> {
    return this.db.oneOrNone<ApiKeyListing>(`SELECT ${LISTING} FROM api_keys WHERE id = $1::bigint AND member_address = $2`, [id, memberAddress]);
  }

  countActiveForMember(memberAddress: string): Promise<number> {
    return this.db.one(
      'SELECT count(*)::int AS n FROM api_keys WHERE member_address = $1 AND revoked_at IS NULL',
      [memberAddress],
      (r: { n: number }) => r.n,
    );
  }

  /** Record use of many keys in one statement; returns how many rows it updated. */
  async touch(ids: readonly string[], at: Date = new Date()): Promise<number> {
    if (ids.length === 0) return 0;
    const result = await this.db.result(
      `UPDATE api_keys SET last_used_at = GREATEST(last_used_at, $2::timestamptz) WHERE id = ANY($1::bigint[])`,
      [ids, at],
    );
    return result.rowCount;
  }
}
