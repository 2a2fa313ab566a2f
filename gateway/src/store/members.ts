// SQL for members: the addresses that may hold API keys, and how each was granted.
import type pgPromise from 'pg-promise';

export type MemberSource = 'operator' | 'orchestrator';

export interface Member {
  address: string;
  label: string | null;
  source: MemberSource;
  createdAt: Date;
  activeUntil: Date | null;
}

export class MemberRepo {
  constructor(private readonly db: pgPromise.IBaseProtocol<unknown>) {}

  /** Grant membership by the operator: it does not expire. A label given fills an empty one. */
  grantByOperator(address: string, label: string | null): Promise<Member> {
    return this.db.one<Member>(
      `INSERT INTO members (address, label, source) VALUES ($1, $2, 'operator')
       ON CONFLICT (address) DO UPDATE
         SET source = 'operator', active_until = NULL, label = COALESCE(members.label, EXCLUDED.label)
       RETURNING address, label, source, created_at AS "createdAt", active_until AS "activeUntil"`,
      [address, label],
    );
  }

  find(address: string): Promise<Member | null> {
    return this.db.oneOrNone<Member>(
      `SELECT address, label, source, created_at AS "createdAt", active_until AS "activeUntil" FROM members WHERE address = $1`,
      [address],
    );
  }
}
