// SQL for members: the addresses that may hold API keys, and how each was granted.
// 'operator': granted by the operator, never expires. 'orchestrator': follows the active set (orchestrators.ts).
import type pgPromise from 'pg-promise';

export type MemberSource = 'operator' | 'orchestrator';

export interface Member {
  address: string;
  label: string | null;
  source: MemberSource;
  createdAt: Date;
  activeUntil: Date | null;
  /** Decided by the database clock, as the key check decides it. */
  active: boolean;
}

/** A member as the operator sees it in a list. */
export interface MemberListing extends Member {
  /** Whether the address is in the active set as last synced; null when never seen there. */
  inSet: boolean | null;
  lastSeenAt: Date | null;
  keysActive: number;
}

const COLUMNS = `address, label, source, created_at AS "createdAt", active_until AS "activeUntil",
  (active_until IS NULL OR active_until > now()) AS active`;

export class MemberRepo {
  constructor(private readonly db: pgPromise.IBaseProtocol<unknown>) {}

  /** Grant membership by the operator: it does not expire. A label given fills an empty one. */
  grantByOperator(address: string, label: string | null): Promise<Member> {
    return this.db.one<Member>(
      `INSERT INTO members (address, label, source) VALUES ($1, $2, 'operator')
       ON CONFLICT (address) DO UPDATE
         SET source = 'operator', active_until = NULL, label = COALESCE(members.label, EXCLUDED.label)
       RETURNING ${COLUMNS}`,
      [address, label],
    );
  }

  /**
   * End an operator grant: membership follows the active set again (active while in it, until the end
   * of its grace period after it left, else ended now). Null when the address has no operator grant.
   */
  revokeOperatorGrant(address: string): Promise<Member | null> {
    return this.db.oneOrNone<Member>(
      `UPDATE members m SET source = 'orchestrator',
              active_until = CASE WHEN o.in_set THEN NULL WHEN o.grace_until > now() THEN o.grace_until ELSE now() END,
              first_seen_at = o.first_seen_at, last_seen_at = o.last_seen_at
         FROM (SELECT $1::text AS address) a LEFT JOIN orchestrators o ON o.address = a.address
        WHERE m.address = a.address AND m.source = 'operator'
       RETURNING m.address, m.label, m.source, m.created_at AS "createdAt", m.active_until AS "activeUntil",
                 (m.active_until IS NULL OR m.active_until > now()) AS active`,
      [address],
    );
  }

  /**
   * Make an address that the active set admits (in it, or within its grace period) an 'orchestrator' member;
   * an existing member row is left as it is. Null when the set does not admit the address.
   */
  admitFromActiveSet(address: string): Promise<Member | null> {
    return this.db.oneOrNone<Member>(
      `INSERT INTO members (address, source, first_seen_at, last_seen_at, active_until)
         SELECT o.address, 'orchestrator', o.first_seen_at, o.last_seen_at, o.grace_until
           FROM orchestrators o WHERE o.address = $1 AND (o.in_set OR o.grace_until > now())
       ON CONFLICT (address) DO UPDATE SET active_until = EXCLUDED.active_until, last_seen_at = EXCLUDED.last_seen_at
         WHERE members.source = 'orchestrator'
       RETURNING ${COLUMNS}`,
      [address],
    );
  }

  find(address: string): Promise<Member | null> {
    return this.db.oneOrNone<Member>(`SELECT ${COLUMNS} FROM members WHERE address = $1`, [address]);
  }

  list(): Promise<MemberListing[]> {
    return this.db.any<MemberListing>(
      `SELECT m.address, m.label, m.source, m.created_at AS "createdAt", m.active_until AS "activeUntil",
              (m.active_until IS NULL OR m.active_until > now()) AS active,
              o.in_set AS "inSet", o.last_seen_at AS "lastSeenAt",
              (SELECT count(*)::int FROM api_keys k WHERE k.member_address = m.address AND k.revoked_at IS NULL) AS "keysActive"
         FROM members m LEFT JOIN orchestrators o ON o.address = m.address
        ORDER BY m.address`,
    );
  }
}
