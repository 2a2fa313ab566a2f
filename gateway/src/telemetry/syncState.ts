// The active-set sync as the orchestrators.sync events report it: the sync gauges need no database.
import type { EventBus } from '../events.ts';

export interface SyncSnapshot {
  orchestratorsActive: number;
  /** 0 until a sync has succeeded in this process. */
  orchestratorSyncLastSuccessSeconds: number;
  orchestratorSyncFailures: number;
}

export class SyncState {
  private state: SyncSnapshot | undefined;

  constructor(private readonly now: () => number = Date.now) {}

  subscribe(bus: EventBus): () => void {
    return bus.on('orchestrators.sync', (e) => {
      const s = this.state ?? { orchestratorsActive: 0, orchestratorSyncLastSuccessSeconds: 0, orchestratorSyncFailures: 0 };
      s.orchestratorsActive = e.count;
      if (e.outcome === 'ok') s.orchestratorSyncLastSuccessSeconds = Math.floor(this.now() / 1000);
      else s.orchestratorSyncFailures++;
      this.state = s;
    });
  }

  /** Undefined until the first sync event: the stats provider's values (if any) stand until then. */
  snapshot(): SyncSnapshot | undefined {
    return this.state && { ...this.state };
  }
}
