// Where the active orchestrator set comes from and how often it is synced, from the environment.
import { getAddress, isAddress, type Address } from 'viem';
import { ConfigError, envBool as bool, envInt as int, httpUrl, type Env } from '../common/env.ts';

/** BondingManager proxy on Arbitrum One (its RoundsManager is 0xdd6f56DcC28D3F5f27084381fE8Df634985cc39f). */
export const ARBITRUM_BONDING_MANAGER: Address = '0x35Bcf3c30594191d53231E4FF333E8A770453e40';

export type OrchestratorSourceConfig =
  | {
      kind: 'subgraph';
      /** The Livepeer subgraph's GraphQL endpoint. Often carries an API key: never logged. */
      url: string;
      pageSize: number;
    }
  | {
      kind: 'chain';
      bondingManager: Address;
      /** Keep only addresses active in the current round; by default the pool (active now or from next round) counts. */
      activeOnly: boolean;
      maxPoolSize: number;
    }
  | { kind: 'static'; addresses: string[] };

export interface OrchestratorSyncConfig {
  intervalMs: number;
  /** Bound on one fetch from the source. */
  timeoutMs: number;
  /** First retry after a failed sync; doubles per failure up to retryMaxMs. */
  retryBaseMs: number;
  retryMaxMs: number;
  /** An empty set from a source is refused as suspicious unless this is set. */
  allowEmpty: boolean;
}

export interface OrchestratorConfig {
  source: OrchestratorSourceConfig;
  sync: OrchestratorSyncConfig;
}


export function loadOrchestratorConfig(env: Env = process.env): OrchestratorConfig {
  const intervalMs = int(env, 'ORCHESTRATOR_SYNC_INTERVAL_MS', 10 * 60_000, 1000, 24 * 3_600_000);
  const retryBaseMs = int(env, 'ORCHESTRATOR_SYNC_RETRY_MS', 15_000, 100, 3_600_000);
  const retryMaxMs = int(env, 'ORCHESTRATOR_SYNC_RETRY_MAX_MS', Math.max(retryBaseMs, Math.min(intervalMs, 5 * 60_000)), 100, 24 * 3_600_000);
  if (retryMaxMs < retryBaseMs) throw new ConfigError('ORCHESTRATOR_SYNC_RETRY_MAX_MS', 'must be at least ORCHESTRATOR_SYNC_RETRY_MS');
  return {
    source: sourceConfig(env),
    sync: {
      intervalMs,
      timeoutMs: int(env, 'ORCHESTRATOR_SYNC_TIMEOUT_MS', 60_000, 100, 3_600_000),
      retryBaseMs,
      retryMaxMs,
      allowEmpty: bool(env, 'ORCHESTRATOR_ALLOW_EMPTY', false),
    },
  };
}

function sourceConfig(env: Env): OrchestratorSourceConfig {
  // The subgraph is the default source when it can be reached (The Graph needs a URL with an API key);
  // without one, the gateway reads the BondingManager through its own Arbitrum nodes, so defaults run.
  const raw = env.ORCHESTRATOR_SOURCE?.trim() || (env.SUBGRAPH_URL?.trim() ? 'subgraph' : 'chain');
  if (raw === 'subgraph') {
    const url = env.SUBGRAPH_URL?.trim();
    if (!url) {
      throw new ConfigError(
        'SUBGRAPH_URL',
        'required when ORCHESTRATOR_SOURCE is subgraph: the Livepeer subgraph on Arbitrum, e.g. ' +
          'https://gateway.thegraph.com/api/<api-key>/subgraphs/id/FE63YgkzcpVocxdCEyEYbvjYqEf2kb1A6daMYRxmejYC; ' +
          'or set ORCHESTRATOR_SOURCE=chain to read the BondingManager through the gateway\'s own Arbitrum nodes',
      );
    }
    return { kind: 'subgraph', url: httpUrl('SUBGRAPH_URL', url), pageSize: int(env, 'SUBGRAPH_PAGE_SIZE', 1000, 1, 1000) };
  }
  if (raw === 'chain') {
    const address = env.BONDING_MANAGER_ADDRESS?.trim() || ARBITRUM_BONDING_MANAGER;
    if (!isAddress(address, { strict: false })) throw new ConfigError('BONDING_MANAGER_ADDRESS', `is not an address: "${address.slice(0, 60)}"`);
    return {
      kind: 'chain',
      bondingManager: getAddress(address),
      activeOnly: bool(env, 'ORCHESTRATOR_CHAIN_ACTIVE_ONLY', false),
      maxPoolSize: int(env, 'ORCHESTRATOR_MAX_POOL_SIZE', 1000, 1, 100_000),
    };
  }
  if (raw.startsWith('static:')) {
    const items = raw.slice('static:'.length).split(',').map((s) => s.trim()).filter(Boolean);
    if (items.length === 0) throw new ConfigError('ORCHESTRATOR_SOURCE', 'static: needs at least one address, e.g. static:0xA,0xB');
    const addresses = items.map((a, i) => {
      if (!isAddress(a, { strict: false })) throw new ConfigError('ORCHESTRATOR_SOURCE', `static item ${i + 1} is not an address: "${a.slice(0, 60)}"`);
      return a.toLowerCase();
    });
    return { kind: 'static', addresses: [...new Set(addresses)] };
  }
  throw new ConfigError('ORCHESTRATOR_SOURCE', `must be subgraph, chain or static:0xA,0xB; got "${raw.slice(0, 60)}"`);
}
