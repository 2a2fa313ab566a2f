// SQL for the active orchestrator set: the sync writes each good set here in one transaction and
// reconciles the members whose membership follows the set. Times are the database's, like the key check's.
import type pgPromise from 'pg-promise';

/** Serialises set writes, sign-in membership and grant changes: two replicas syncing at once never interleave. */
export const MEMBERSHIP_LOCK_ID = 7_340_521_969;

export interface ActiveSetWrite {
  /** Addresses new to the set, or back in it after having left. */
  joined: string[];
  /** Addresses this write found gone from the set: their members are now in their grace period. */
  left: string[];
  /** Orchestrator members whose keys were refused and work again (back after their grace period ended). */
  reactivated: string[];
  inSet: number;
}

export interface OrchestratorRow {
  address: string;
  firstSeenAt: Date;
  lastSeenAt: Date;
  inSet: boolean;
  leftAt: Date | null;
  graceUntil: Date | null;
}

const ORCHESTRATOR_COLUMNS = `address, first_seen_at AS "firstSeenAt", last_seen_at AS "lastSeenAt", in_set AS "inSet",
  left_at AS "leftAt", grace_until AS "graceUntil"`;

/**
 * Write the whole set in one transaction: upsert the addresses seen, mark the missing ones out of the set
 * (their last_seen_at stays), then reconcile members: those in the set are active without end, those that
 * just left keep working until now + grace.
 */
export function writeActiveSet(db: pgPromise.IDatabase<unknown>, set: ReadonlySet<string>, graceMs: number): Promise<ActiveSetWrite> {
  const addresses = [...set].map((a) => a.toLowerCase()).sort();
  const grace = `${Math.max(0, Math.round(graceMs))} milliseconds`;
  const address = (r: { address: string }) => r.address;
  return db.tx('write-active-set', async (t) => {
    await t.any('SELECT pg_advisory_xact_lock($1)', [MEMBERSHIP_LOCK_ID]);
    const left = await t.map(
      `UPDATE orchestrators SET in_set = false, left_at = now(), grace_until = now() + $2::interval
        WHERE in_set AND NOT (address = ANY($1::text[])) RETURNING address`,
      [addresses, grace],
      address,
    );
    const joined = await t.map(
      `SELECT a AS address FROM unnest($1::text[]) AS a
        WHERE NOT EXISTS (SELECT 1 FROM orchestrators o WHERE o.address = a AND o.in_set) ORDER BY a`,
      [addresses],
      address,
    );
    await t.none(
      `INSERT INTO orchestrators (address, first_seen_at, last_seen_at, in_set)
         SELECT a, now(), now(), true FROM unnest($1::text[]) AS a
       ON CONFLICT (address) DO UPDATE SET last_seen_at = now(), in_set = true, left_at = NULL, grace_until = NULL`,
      [addresses],
    );
    // In the set: active without end. Reported back are those whose keys were refused until now.
    const reactivated = await t.map(
      `WITH seen AS (
         SELECT m.address, m.active_until IS NOT NULL AND m.active_until <= now() AS was_inactive, o.first_seen_at
           FROM members m JOIN orchestrators o ON o.address = m.address
          WHERE m.source = 'orchestrator' AND o.in_set
          FOR UPDATE OF m)
       UPDATE members m SET active_until = NULL, last_seen_at = now(), first_seen_at = COALESCE(m.first_seen_at, seen.first_seen_at)
         FROM seen WHERE m.address = seen.address
       RETURNING m.address, seen.was_inactive`,
      [],
      (r: { address: string; was_inactive: boolean }) => (r.was_inactive ? r.address : undefined),
    );
    // Out of the set and still without an end: the grace period of the orchestrator row applies.
    await t.none(
      `UPDATE members m
          SET active_until = COALESCE((SELECT o.grace_until FROM orchestrators o WHERE o.address = m.address AND NOT o.in_set), now())
        WHERE m.source = 'orchestrator' AND m.active_until IS NULL AND NOT (m.address = ANY($1::text[]))`,
      [addresses],
    );
    return { joined, left, reactivated: reactivated.filter((a): a is string => a !== undefined).sort(), inSet: addresses.length };
  });
}

export function findOrchestrator(db: pgPromise.IBaseProtocol<unknown>, address: string): Promise<OrchestratorRow | null> {
  return db.oneOrNone<OrchestratorRow>(`SELECT ${ORCHESTRATOR_COLUMNS} FROM orchestrators WHERE address = $1`, [address]);
}
