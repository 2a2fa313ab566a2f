// The active set read from the BondingManager itself: walk its transcoder pool (a sorted linked list)
// from getFirstTranscoderInPool through getNextTranscoderInPool, bounded by getTranscoderPoolSize,
// every read pinned to one block so the walk sees one consistent list.
import { createPublicClient, zeroAddress, type Address, type PublicClient, type Transport } from 'viem';
import { bondingManagerAbi } from './bondingManagerAbi.ts';
import { OrchestratorSourceError, reasonOf, type OrchestratorSource } from './source.ts';
import { mapLimited } from '../common/mapLimited.ts';

export interface ChainSourceOptions {
  /** The L2 (Arbitrum One) transport: the gateway's own pool in production, Anvil in tests. */
  transport: Transport;
  bondingManager: Address;
  /**
   * The pool holds who is active from the next round on; isActiveTranscoder says who is active in this one.
   * By default pool members count (an orchestrator that just joined needs its RPC now); set to keep only the current round's.
   */
  activeOnly?: boolean;
  /** A pool claiming more members than this is refused as a broken read. */
  maxPoolSize?: number;
  /** Parallel isActiveTranscoder calls when activeOnly is set. */
  concurrency?: number;
}

export function createChainSource(options: ChainSourceOptions): OrchestratorSource {
  const client: PublicClient = createPublicClient({ transport: options.transport });
  const maxPoolSize = options.maxPoolSize ?? 1000;
  const address = options.bondingManager;

  async function read<T>(signal: AbortSignal | undefined, what: string, call: () => Promise<T>): Promise<T> {
    if (signal?.aborted) throw new OrchestratorSourceError('chain', 'aborted', signal.reason);
    try {
      return await call();
    } catch (err) {
      throw new OrchestratorSourceError('chain', `${what} failed: ${reasonOf(err)}`, err);
    }
  }

  return {
    name: 'chain',
    async fetchActive(signal?: AbortSignal): Promise<Set<string>> {
      // cacheTime 0: viem otherwise reuses a block number for seconds, and we want the latest snapshot
      const blockNumber = await read(signal, 'eth_blockNumber', () => client.getBlockNumber({ cacheTime: 0 }));
      const at = { address, abi: bondingManagerAbi, blockNumber } as const;
      const size = await read(signal, 'getTranscoderPoolSize', () => client.readContract({ ...at, functionName: 'getTranscoderPoolSize' }));
      if (size > BigInt(maxPoolSize)) {
        throw new OrchestratorSourceError('chain', `pool size ${size} is above the limit of ${maxPoolSize}; refusing the read`);
      }
      const pool: Address[] = [];
      const seen = new Set<string>();
      let current = await read(signal, 'getFirstTranscoderInPool', () => client.readContract({ ...at, functionName: 'getFirstTranscoderInPool' }));
      for (let i = 0; i < Number(size); i++) {
        if (current === zeroAddress) {
          throw new OrchestratorSourceError('chain', `pool ended after ${i} of ${size} transcoders at block ${blockNumber}`);
        }
        const key = current.toLowerCase();
        if (seen.has(key)) throw new OrchestratorSourceError('chain', `pool walk came back to ${current}; the list is inconsistent`);
        seen.add(key);
        pool.push(current);
        const from = current;
        current = await read(signal, 'getNextTranscoderInPool', () =>
          client.readContract({ ...at, functionName: 'getNextTranscoderInPool', args: [from] }),
        );
      }
      if (current !== zeroAddress) {
        throw new OrchestratorSourceError('chain', `pool continues past its size of ${size} at block ${blockNumber}`);
      }
      if (!options.activeOnly) return seen;
      const active = await mapLimited(pool, options.concurrency ?? 8, (t) =>
        read(signal, 'isActiveTranscoder', () => client.readContract({ ...at, functionName: 'isActiveTranscoder', args: [t] })),
      );
      return new Set(pool.filter((_, i) => active[i]).map((t) => t.toLowerCase()));
    },
  };
}
