// SQL for request counts per key, network and hour: written in batches by the usage meter, read by the portal.
import type pgPromise from 'pg-promise';
import type { Network } from '../common/network.ts';

export const HOUR_MS = 3_600_000;

/** Requests of one key on one network in the hour starting at `hour` (epoch ms, a multiple of HOUR_MS). */
export interface UsageRow {
  keyId: string;
  network: Network;
  hour: number;
  requests: number;
}

export interface NetworkUsage {
  last24h: number;
  last30d: number;
}

/** One key of a member with its requests per network, for the portal's "my keys". */
export interface KeyUsage {
  id: string;
  prefix: string;
  label: string | null;
  createdAt: Date;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
  usage: Record<Network, NetworkUsage>;
}

export function hourOf(epochMs: number): number {
  return Math.floor(epochMs / HOUR_MS) * HOUR_MS;
}

export class UsageRepo {
  constructor(private readonly db: pgPromise.IBaseProtocol<unknown>) {}

  /** Add the rows' counts to their buckets in one statement; returns how many buckets it wrote. */
  async record(rows: readonly UsageRow[]): Promise<number> {
    if (rows.length === 0) return 0;
    const result = await this.db.result(
      `INSERT INTO key_usage (key_id, network, hour, requests)
         SELECT k, n, to_timestamp(h / 1000.0), r
           FROM unnest($1::bigint[], $2::text[], $3::bigint[], $4::bigint[]) AS u(k, n, h, r)
          WHERE EXISTS (SELECT 1 FROM api_keys WHERE id = k)
       ON CONFLICT (key_id, network, hour) DO UPDATE SET requests = key_usage.requests + EXCLUDED.requests`,
      [rows.map((r) => r.keyId), rows.map((r) => r.network), rows.map((r) => r.hour), rows.map((r) => r.requests)],
    );
    return result.rowCount;
  }

  /** Drop buckets that started before `before` (epoch ms); returns how many. */
  async deleteBefore(before: number): Promise<number> {
    const result = await this.db.result('DELETE FROM key_usage WHERE hour < to_timestamp($1 / 1000.0)', [before]);
    return result.rowCount;
  }
}

/**
 * Every key of the member (revoked ones too), newest first, with its requests per network in the hour
 * buckets that started within the last 24 h and 30 days. Counts reach the database at each usage flush.
 */
export async function usageForMember(db: pgPromise.IBaseProtocol<unknown>, address: string): Promise<KeyUsage[]> {
  const rows = await db.any<{
    id: string;
    prefix: string;
    label: string | null;
    createdAt: Date;
    lastUsedAt: Date | null;
    revokedAt: Date | null;
    l1d: string;
    l1m: string;
    l2d: string;
    l2m: string;
  }>(
    `SELECT k.id::text AS id, k.prefix, k.label, k.created_at AS "createdAt", k.last_used_at AS "lastUsedAt", k.revoked_at AS "revokedAt",
            COALESCE(sum(u.requests) FILTER (WHERE u.network = 'l1' AND u.hour > now() - interval '24 hours'), 0) AS l1d,
            COALESCE(sum(u.requests) FILTER (WHERE u.network = 'l1'), 0) AS l1m,
            COALESCE(sum(u.requests) FILTER (WHERE u.network = 'l2' AND u.hour > now() - interval '24 hours'), 0) AS l2d,
            COALESCE(sum(u.requests) FILTER (WHERE u.network = 'l2'), 0) AS l2m
       FROM api_keys k LEFT JOIN key_usage u ON u.key_id = k.id AND u.hour > now() - interval '30 days'
      WHERE k.member_address = $1
      GROUP BY k.id
      ORDER BY k.id DESC`,
    [address.toLowerCase()],
  );
  return rows.map((r) => ({
    id: r.id,
    prefix: r.prefix,
    label: r.label,
    createdAt: r.createdAt,
    lastUsedAt: r.lastUsedAt,
    revokedAt: r.revokedAt,
    usage: { l1: { last24h: Number(r.l1d), last30d: Number(r.l1m) }, l2: { last24h: Number(r.l2d), last30d: Number(r.l2m) } },
  }));
}
