// Builds what the configuration names: the orchestrator source, and the sync loop that reads it.
import type { Transport } from 'viem';
import { createChainSource } from './chainSource.ts';
import type { OrchestratorConfig, OrchestratorSourceConfig } from './config.ts';
import { OrchestratorSourceError, type OrchestratorSource } from './source.ts';
import { createStaticSource } from './staticSource.ts';
import { createSubgraphSource } from './subgraphSource.ts';
import { OrchestratorSync, type OrchestratorSink, type OrchestratorSyncOptions } from './sync.ts';
import type { Emitter } from '../common/bus.ts';
import type { OrchestratorsEvent } from './events.ts';

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

/** The sync loop of the configured source, handing each good set to `sink`. */
export function createOrchestratorSync(
  config: OrchestratorConfig,
  deps: OrchestratorSourceDeps & { sink: OrchestratorSink; bus?: Emitter<OrchestratorsEvent>; leader?: OrchestratorSyncOptions['leader'] },
): OrchestratorSync {
  const source = createOrchestratorSource(config.source, deps);
  return new OrchestratorSync({ ...config.sync, source, sink: deps.sink, bus: deps.bus, leader: deps.leader });
}
