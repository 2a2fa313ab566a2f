// What the active-set sync says after each run, and which replica runs it.
export type OrchestratorsEvent = OrchestratorsSyncEvent | OrchestratorsLeaderEvent;

/** This process became the replica that syncs the active set, or stopped being it (or found another one leading). */
export type OrchestratorsLeaderEvent = {
  type: 'orchestrators.leader';
  leader: boolean;
  /** "acquired", "another replica holds the lock", "connection lost: ...", "released", "the only process". */
  reason: string;
};

export type OrchestratorsSyncEvent = {
  /** One run of the active orchestrator set sync. A failed run keeps the last good set in force. */
  type: 'orchestrators.sync';
  source: string; // 'subgraph' | 'chain' | 'static'
  outcome: 'ok' | 'failed';
  /** Orchestrators in the set in force after this run (the last good set after a failure; 0 if none yet). */
  count: number;
  durationMs: number;
  /** Why it failed; free of URLs and credentials. */
  error?: string;
  consecutiveFailures: number;
  /** When the next run is due, if the sync is running on its schedule. */
  nextSyncMs?: number;
};
