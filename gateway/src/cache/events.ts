// What the cache says: one lookup per call that reaches it.
import type { Network } from '../common/network.ts';

export type CacheResult = 'hit' | 'miss' | 'coalesced' | 'bypass';

export type CacheEvent = {
  type: 'cache.lookup';
  requestId: string;
  network: Network;
  method: string;
  result: CacheResult;
  tier?: string;
};
