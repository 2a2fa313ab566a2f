// Membership settings from the environment: the grace period after leaving the active set, how often usage
// is written, the per-member key limit. Where the set comes from is the orchestrators module's config.
import { envBool as bool, envInt as int, type Env } from '../common/env.ts';
import { loadOrchestratorConfig, type OrchestratorConfig } from '../orchestrators/config.ts';

export interface MembershipConfig {
  /** How long keys keep working after their address left the active set. */
  graceMs: number;
  /** How often usage counts and last-used times are written to the database. */
  usageFlushMs: number;
  /** Active keys one member may hold through the portal. */
  maxKeysPerMember: number;
  /** Run the active-set sync in this process (replicas may leave it to one of them). */
  syncEnabled: boolean;
  orchestrators: OrchestratorConfig;
}

export function loadMembershipConfig(env: Env = process.env): MembershipConfig {
  return {
    graceMs: int(env, 'ORCHESTRATOR_GRACE_MS', 24 * 3_600_000, 0, 365 * 24 * 3_600_000),
    usageFlushMs: int(env, 'USAGE_FLUSH_INTERVAL_MS', 30_000, 100, 3_600_000),
    maxKeysPerMember: int(env, 'MAX_KEYS_PER_MEMBER', 10, 1, 1000),
    syncEnabled: bool(env, 'ORCHESTRATOR_SYNC_ENABLED', true),
    orchestrators: loadOrchestratorConfig(env),
  };
}
