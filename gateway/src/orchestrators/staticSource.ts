// A fixed list of addresses, for test environments and private deployments.
import type { OrchestratorSource } from './source.ts';

export function createStaticSource(addresses: readonly string[]): OrchestratorSource {
  const set = new Set(addresses.map((a) => a.toLowerCase()));
  return {
    name: 'static',
    async fetchActive(): Promise<Set<string>> {
      return new Set(set);
    },
  };
}
