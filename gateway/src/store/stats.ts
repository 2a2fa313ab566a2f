// Counts the operator's dashboards show (members, keys, the active set, adoption), read in one round trip.
import type pgPromise from 'pg-promise';

export interface GatewayCounts {
  members: number;
  apiKeysActive: number;
  /** Addresses in the active set as last synced into this database. */
  orchestratorsActive: number;
  /** Active-set orchestrators whose keys made a request in the last 24 h (usage is flushed every ~30 s). */
  orchestratorsUsing24h: number;
}

export async function readCounts(db: pgPromise.IDatabase<unknown>): Promise<GatewayCounts> {
  const row = await db.one<{ members: string; keys: string; active: string; using: string }>(
    `SELECT
       (SELECT count(*) FROM members) AS members,
       (SELECT count(*) FROM api_keys WHERE revoked_at IS NULL) AS keys,
       (SELECT count(*) FROM orchestrators WHERE in_set) AS active,
       (SELECT count(DISTINCT o.address)
          FROM orchestrators o
          JOIN api_keys k ON k.member_address = o.address
          JOIN key_usage u ON u.key_id = k.id
         WHERE o.in_set AND u.hour > now() - interval '24 hours') AS using`,
  );
  return {
    members: Number(row.members),
    apiKeysActive: Number(row.keys),
    orchestratorsActive: Number(row.active),
    orchestratorsUsing24h: Number(row.using),
  };
}
