// Picks the orchestrator source the configuration names and gives it what it needs.
import type { Transport } from 'viem';
import { createChainSource } from './chainSource.ts';
import type { OrchestratorSourceConfig } from './config.ts';
import { OrchestratorSourceError, type OrchestratorSource } from './source.ts';
import { createStaticSource } from './staticSource.ts';
import { createSubgraphSource } from './subgraphSource.ts';

export interface OrchestratorSourceDeps {
  /** Required by the chain source: a transport to Arbitrum One (the gateway's own L2 pool). */
  l2Transport?: Transport;
  fetch?: typeof fetch;
}

export function createOrchestratorSource(config: OrchestratorSourceConfig, deps: OrchestratorSourceDeps = {}): OrchestratorSource {
  switch (config.kind) {
    case 'static':
      return createStaticSource(config.addresses);
    case 'subgraph':
      return createSubgraphSource({ url: config.url, pageSize: config.pageSize, fetch: deps.fetch });
    case 'chain':
      if (!deps.l2Transport) throw new OrchestratorSourceError('chain', 'no L2 transport was given to read the BondingManager through');
      return createChainSource({
        transport: deps.l2Transport,
        bondingManager: config.bondingManager,
        activeOnly: config.activeOnly,
        maxPoolSize: config.maxPoolSize,
      });
  }
}
