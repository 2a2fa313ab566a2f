// Wires the orchestrator sync to the database: each good set is written (and members reconciled) in one
// transaction; members whose keys stop or work again are announced so every replica's key cache forgets them.
import type { EventBus } from '../events.ts';
import { createOrchestratorSource } from '../orchestrators/createSource.ts';
import { OrchestratorSync } from '../orchestrators/sync.ts';
import type { Caller } from '../rpc/handler.ts';
import type { Database } from '../store/db.ts';
import type { KeyChange } from '../store/keyChanges.ts';
import { writeActiveSet, type ActiveSetWrite } from '../store/orchestrators.ts';
import { callerTransport } from './callerTransport.ts';
import type { MembershipConfig } from './membershipConfig.ts';

export interface ActiveSetSyncDeps {
  database: Pick<Database, 'db'>;
  config: Pick<MembershipConfig, 'graceMs' | 'orchestrators'>;
  bus: EventBus;
  /** The L2 caller (cache + pool) the chain source reads through; undefined when no L2 nodes are configured. */
  l2?: Caller;
  /** Tells this process and the other replicas which members' keys changed. */
  announce: (change: KeyChange) => Promise<void>;
  /** Told of each write, after it committed (tests, logs). */
  onWrite?: (write: ActiveSetWrite) => void;
  fetch?: typeof fetch;
}

export function createActiveSetSync(deps: ActiveSetSyncDeps): OrchestratorSync {
  const { orchestrators, graceMs } = deps.config;
  const source = createOrchestratorSource(orchestrators.source, {
    l2Transport: callerTransport(deps.l2, { label: 'orchestrator-sync' }),
    fetch: deps.fetch,
  });
  return new OrchestratorSync({
    ...orchestrators.sync,
    source,
    bus: deps.bus,
    sink: async (set) => {
      const write = await writeActiveSet(deps.database.db, set, graceMs);
      // Restored members must work at once; those that left only start their grace (or end now when it is 0).
      const changed = [...write.reactivated, ...write.left];
      if (changed.length > 0) await deps.announce({ addresses: changed });
      deps.onWrite?.(write);
    },
  });
}
