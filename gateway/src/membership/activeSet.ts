// Where each good active set goes: written (and members reconciled) in one transaction; members whose keys stop
// or work again are announced, so every replica's key cache forgets them. The sync loop that calls this sink
// lives in orchestrators/; gateway.ts connects the two.
import type pgPromise from 'pg-promise';
import type { KeyChange } from '../store/keyChanges.ts';
import { writeActiveSet, type ActiveSetWrite } from '../store/orchestrators.ts';

export interface ActiveSetSinkOptions {
  db: pgPromise.IDatabase<unknown>;
  /** How long keys keep working after their address left the set. */
  graceMs: number;
  /** Tells this process and the other replicas which members' keys changed. */
  announce: (change: KeyChange) => Promise<void>;
  /** Told of each write, after it committed. */
  onWrite?: (write: ActiveSetWrite) => void;
}

export function activeSetSink(options: ActiveSetSinkOptions): (set: ReadonlySet<string>) => Promise<void> {
  return async (set) => {
    const write = await writeActiveSet(options.db, set, options.graceMs);
    // Restored members must work at once; those that left only start their grace (or end now when it is 0).
    const changed = [...write.reactivated, ...write.left];
    if (changed.length > 0) await options.announce({ addresses: changed });
    options.onWrite?.(write);
  };
}
