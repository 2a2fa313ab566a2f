// Counts the operator's dashboards show (members, keys, adoption), read in one round trip.
import type pgPromise from 'pg-promise';

export interface GatewayCounts {
  members: number;
  apiKeysActive: number;
  /** Orchestrator members whose keys were used in the last 24 h (last use is flushed every ~30 s). */
  orchestratorsUsing24h: number;
}

export async function readCounts(db: pgPromise.IDatabase<unknown>): Promise<GatewayCounts> {
  const row = await db.one<{ members: string; keys: string; using: string }>(
    `SELECT
       (SELECT count(*) FROM members) AS members,
       (SELECT count(*) FROM api_keys WHERE revoked_at IS NULL) AS keys,
       (SELECT count(DISTINCT k.member_address)
          FROM api_keys k JOIN members m ON m.address = k.member_address
         WHERE m.source = 'orchestrator' AND k.last_used_at > now() - interval '24 hours') AS using`,
  );
  return { members: Number(row.members), apiKeysActive: Number(row.keys), orchestratorsUsing24h: Number(row.using) };
}
